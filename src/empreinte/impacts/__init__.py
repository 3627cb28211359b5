"""impacts."""
