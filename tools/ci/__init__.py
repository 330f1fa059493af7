"""Small helpers the GitHub workflows call (stdlib only: they run before any venv exists)."""
