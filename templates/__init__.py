"""Package data: shipped inside the toilaudit wheel as toilaudit.templates."""
