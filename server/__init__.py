"""The Change Challenge server: FastAPI over SQLAlchemy 2 (SQLite or PostgreSQL)."""
