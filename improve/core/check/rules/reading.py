"""Rules about the bytes and the YAML (checked in `core.frontmatter`) and the config file (`core.config`)."""


