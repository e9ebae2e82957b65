"""How it is printed and sent: findings, Markdown text, PR summaries, delivery of the digest."""
