"""The fitted classifier model, shipped as package data (written by `python -m toilaudit.classify.train`)."""
