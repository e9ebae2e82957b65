"""What writes files: atomic writes and locks, the front-matter edit engine, the item editor, renumber, new documents, init, import."""
