"""Persistence: tables, versions, audit log. SQLite by default, any SQLAlchemy URL (PostgreSQL) otherwise.

``store`` receives everything it needs as parameters (URL, paths) and reads no environment.
"""
