"""The running installation: settings, the database and the secrets, opened once at start."""

from __future__ import annotations

from dataclasses import dataclass

from services import secrets
from services.settings import Settings
from store import migrate
from store.db import Database


@dataclass
class App:
    """What every service function receives first: where the data lives and the installation secrets."""

    settings: Settings
    db: Database
    party_key_secret: bytes
    secret_key: bytes

    def close(self) -> None:
        self.db.dispose()


def open_app(settings: Settings, *, migrate_now: bool = True) -> App:
    """Create the data folder and secrets if needed, connect, and apply pending migrations."""
    settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)  # created owner-only, like its files
    secret_key = secrets.load_or_create(settings.secret_key_file or settings.data_dir / "secret.key")
    party = secrets.load_or_create(settings.party_key_file)
    db = Database.open(settings.database_url)
    if migrate_now:
        migrate.upgrade(db)
    return App(settings=settings, db=db, party_key_secret=party, secret_key=secret_key)
