"""The database: SQLite in the data folder by default (WAL, every commit synced), PostgreSQL by URL; its schema
brought up to date by Alembic whenever it is opened."""
from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Iterator

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from autograder.core.errors import AutograderError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def normalise_url(url: str) -> str:
    """`postgresql://...` with the psycopg (3) driver the `[service]` extra installs; other URLs as given."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise AutograderError(f"--db {url!r} is not a database URL (e.g. postgresql://user:password@host/db)") from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise AutograderError(f"--db: {parsed.get_backend_name()} is not supported; use SQLite or PostgreSQL")
    return parsed.render_as_string(hide_password=False)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """WAL (readers never wait for the writer), FULL sync (an acknowledged commit survives a crash), a wait for
    the write lock instead of an error, and foreign keys enforced."""
    cursor = dbapi_connection.cursor()
    for pragma in ("journal_mode=WAL", "synchronous=FULL", "busy_timeout=30000", "foreign_keys=ON"):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def make_engine(url: str) -> Engine:
    """An engine for `url` (normalised); SQLite gets its pragmas on every connection."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest revision of `migrations/` (a new database gets every table)."""
    from alembic import command  # noqa: PLC0415
    from alembic.config import Config  # noqa: PLC0415

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    except DBAPIError as exc:  # unreachable, refused, no right to create the tables
        raise AutograderError(f"cannot open the database {engine.url.render_as_string()}: {exc.orig}") from None


def open_database(url: str) -> sessionmaker[Session]:
    """The sessions of an up-to-date database at `url`."""
    engine = make_engine(url)
    upgrade(engine)
    return sessionmaker(engine, expire_on_commit=False)


@contextlib.contextmanager
def transaction(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose work is committed at the end of the block (rolled back on an exception)."""
    with sessions.begin() as session:
        yield session
