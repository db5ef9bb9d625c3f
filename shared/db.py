"""The SQL database every gateway and worker replica shares (DATABASE_URL): SQLite under
LUMIA_DATA_DIR by default, PostgreSQL when scaled out. Every table is declared here,
so whichever process starts first creates them all."""

import logging
import sqlite3
import time
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

log = logging.getLogger(__name__)
metadata = MetaData()

threads = Table(
    "lumia_threads", metadata,
    Column("id", String(64), primary_key=True),
    Column("user_id", String(128), nullable=False, index=True),
    Column("brain_id", String(128), nullable=False),
    Column("system_prompt", Text),
    Column("title", String(200), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    Column("message_count", Integer, nullable=False, default=0),
)

messages = Table(
    "lumia_thread_messages", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("thread_id", String(64), ForeignKey("lumia_threads.id", ondelete="CASCADE"), nullable=False),
    Column("role", String(16), nullable=False),
    Column("content", Text, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("brain_id", String(128), nullable=False),
    # A user message is `pending` until its answer is stored, `failed` if generation failed.
    Column("status", String(16), nullable=False, default="complete"),
    # The chat request that produced the message: a redelivered request is stored once.
    Column("request_id", String(64)),
    UniqueConstraint("request_id", "role", name="uq_lumia_message_request_role"),
    Index("ix_lumia_thread_messages_thread", "thread_id", "id"),
)


users = Table(
    "lumia_users", metadata,
    Column("id", String(64), primary_key=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("password_hash", String(255), nullable=False),
    Column("created_at", Float, nullable=False),
)
# "Anna" and "anna" are one person to everyone who types a username. Made after the tables, not
# with them, so that a database from before it gets it too.
FOLD_USERNAMES = text("CREATE UNIQUE INDEX IF NOT EXISTS uq_lumia_users_username_folded "
                      "ON lumia_users (lower(username))")


def database_url(url: str | None, data_dir: Path) -> str:
    """DATABASE_URL as the async driver wants it; SQLite under LUMIA_DATA_DIR when unset."""
    if not url:
        data_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite+aiosqlite:///{(data_dir / 'lumia.db').resolve()}"
    parsed = make_url(url)
    driver = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg", "postgres": "postgresql+asyncpg"}
    backend = parsed.drivername.split("+")[0]
    if backend not in driver:
        raise ValueError(f"DATABASE_URL must be sqlite:// or postgresql://, not {parsed.drivername}://")
    return parsed.set(drivername=driver[backend]).render_as_string(hide_password=False)


WAL_ATTEMPTS = 20


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Several processes share the file: WAL lets readers and one writer work at once,
    # and the busy timeout makes a writer wait its turn instead of failing. In WAL mode
    # synchronous=NORMAL survives a crash of any process; only a power cut can lose the
    # last turns, and it saves an fsync per message (bench/threads.py).
    # The timeout comes first: switching to WAL takes a lock too, and replicas that start
    # together failed on it with "database is locked" (tests/test_bus.py, two llm_workers).
    # SQLite does not always wait (busy handler) for the switch itself: a second replica opening a new
    # file in that moment still failed, so it looks first (reading takes no lock) and tries again.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=10000")
    for attempt in range(WAL_ATTEMPTS):
        cursor.execute("PRAGMA journal_mode")
        if str(cursor.fetchone()[0]).lower() == "wal":
            break
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            break
        except sqlite3.OperationalError:
            if attempt == WAL_ATTEMPTS - 1:
                raise
            time.sleep(0.1 * (attempt + 1))
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


async def _fold_usernames(engine: AsyncEngine) -> None:
    for attempt in range(2):
        try:
            async with engine.begin() as conn:
                await conn.execute(FOLD_USERNAMES)
            return
        except IntegrityError:
            # Either another replica was making it at the same moment (then the second try finds it
            # made) or two accounts already differ only in case.
            if attempt == 1:
                log.warning("Two accounts' usernames differ only in case, so logins tell them apart by case; "
                            "rename one of them in lumia_users to make usernames case-insensitive.")
        except OperationalError as exc:
            if "already exists" not in str(exc) or attempt == 1:
                raise


async def open_engine(url: str) -> AsyncEngine:
    engine = create_async_engine(url, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    # Replicas start together: one creates the tables, the others find them made.
    for attempt in range(3):
        try:
            async with engine.begin() as conn:
                await conn.run_sync(metadata.create_all)
            await _fold_usernames(engine)
            return engine
        except IntegrityError:
            if attempt == 2:
                raise
        except Exception as exc:  # PostgreSQL reports a concurrent CREATE as a duplicate type/relation
            if "already exists" not in str(exc) or attempt == 2:
                raise
    return engine
