"""The default rule pack, shipped as YAML."""
