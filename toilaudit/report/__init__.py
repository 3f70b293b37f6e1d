"""The report: one view model, rendered to HTML, PDF and JSON."""
