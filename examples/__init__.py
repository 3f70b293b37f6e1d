"""Package data: the bundled example exports, shipped inside the wheel as toilaudit.examples."""
