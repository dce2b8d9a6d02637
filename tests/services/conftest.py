from tests.dbfixtures import app, db, pg_server  # noqa: F401  (fixtures)
