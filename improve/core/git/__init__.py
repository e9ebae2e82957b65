"""What touches git: running it, history, and what a change touched."""
