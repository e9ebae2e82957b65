"""How a document is checked: lint, the per-document analysis, schema validation, the rules, the cache and the parallel runner."""
