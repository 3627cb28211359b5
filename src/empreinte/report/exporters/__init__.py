"""report/exporters."""
