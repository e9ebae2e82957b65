"""How a file is read: the config, the kinds, discovery, front matter, documents, links, who may see a document, the date."""
