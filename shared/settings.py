"""Configuration, read from the environment and `.env` when a process starts.

Nothing here runs at import time: call `get_settings()` in a lifespan or a
factory.
"""

import logging
import os
import secrets
from datetime import UTC, tzinfo
from functools import lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


NATS_TOKEN_FILE = "nats_token"
NATS_PORT_FILE = "nats_port"  # where `make up`'s embedded server listens, while it runs: the port alone
NATS_PID_FILE = "nats_pid"  # and its process, so that the token goes to no other server on that port


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    # The names of the original README.
    ollama_base_url: str = Field("http://localhost:11434", alias="OLLAMA_BASE_URL")
    llm_model: str = Field("llama3.2", alias="LLM_MODEL")
    embedding_model: str = Field("nomic-embed-text", alias="EMBEDDING_MODEL")
    database_url: str | None = Field(None, alias="DATABASE_URL")
    secret_key: str | None = Field(None, alias="SECRET_KEY")
    algorithm: str = Field("HS256", alias="ALGORITHM")
    access_token_expire_minutes: int = Field(60, gt=0, alias="ACCESS_TOKEN_EXPIRE_MINUTES")
    chroma_persist_directory: Path | None = Field(None, alias="CHROMA_PERSIST_DIRECTORY")

    # Added by Lumia.
    nats_url: str | None = Field(None, alias="NATS_URL")
    chroma_url: str | None = Field(None, alias="CHROMA_URL")
    host: str = Field("127.0.0.1", alias="LUMIA_HOST")
    port: int = Field(8000, ge=1, le=65535, alias="LUMIA_PORT")
    data_dir: Path = Field(Path("data"), alias="LUMIA_DATA_DIR")
    auth: Literal["required", "off"] = Field("required", alias="LUMIA_AUTH")
    router_model: str = Field("qwen2.5:0.5b", alias="ROUTER_MODEL")
    embedding_backend: Literal["local", "ollama"] = Field("local", alias="EMBEDDING_BACKEND")

    # Streaming behaviour.
    stream_timeout: float = Field(
        30.0, gt=0, alias="LUMIA_STREAM_TIMEOUT",
        description="Seconds without any event from the llm_worker before a stream fails",
    )
    user_streams: int = Field(
        4, ge=1, alias="LUMIA_USER_STREAMS",
        description="Answers one user may have being written at once, with accounts on (per gateway replica); "
                    "more is a 429: the model's slots are shared by everyone")
    llm_concurrency: int = Field(
        16, ge=1, alias="LUMIA_LLM_CONCURRENCY",
        description="Chats one llm_worker process streams at once",
    )
    ollama_connect_timeout: float = Field(5.0, gt=0, alias="LUMIA_OLLAMA_CONNECT_TIMEOUT")
    ollama_read_timeout: float = Field(
        300.0, gt=0, alias="LUMIA_OLLAMA_READ_TIMEOUT",
        description="Longest wait for the next token (a cold model load can take minutes)",
    )
    ollama_stall_timeout: float = Field(
        60.0, gt=0, alias="LUMIA_OLLAMA_STALL_TIMEOUT",
        description="Longest pause between two tokens once an answer has begun (a hung model)",
    )
    context_window: int = Field(
        8192, ge=512, alias="LUMIA_CONTEXT_WINDOW",
        description="Most tokens a request to the model may hold (num_ctx); the model's own window when smaller",
    )
    answer_tokens: int = Field(1024, ge=64, alias="LUMIA_ANSWER_TOKENS",
                               description="Tokens of the window kept free for the answer")
    system_prompt: str = Field(
        "You are Lumia, a private personal assistant. Answer helpfully and concisely.",
        alias="LUMIA_SYSTEM_PROMPT",
    )
    log_level: str = Field("INFO", alias="LUMIA_LOG_LEVEL")
    timezone: str | None = Field(
        None, alias="LUMIA_TIMEZONE",
        description="The user's time zone (IANA name, such as Europe/Stockholm): where 'yesterday' and "
                    "'last week' begin, how dates without a zone are read; unset: this machine's")

    # Memory.
    memory_min_score: float = Field(
        0.825, ge=0, le=1, alias="LUMIA_MEMORY_MIN_SCORE",
        description="Similarity a memory needs to be put in front of the model (calibrated in bench/recall.py)",
    )
    memory_results: int = Field(5, ge=1, le=100, alias="LUMIA_MEMORY_RESULTS",
                                description="Most memories given to the model per message")
    brain_timeout: float = Field(3.0, gt=0, alias="LUMIA_BRAIN_TIMEOUT",
                                 description="Longest a chat waits for retrieval before answering without memory")
    persona_every_turns: int = Field(5, ge=1, alias="LUMIA_PERSONA_EVERY_TURNS")
    persona_every_minutes: float = Field(30, gt=0, alias="LUMIA_PERSONA_EVERY_MINUTES")
    persona_retry_seconds: float = Field(
        15.0, gt=0, le=300, alias="LUMIA_PERSONA_RETRY_SECONDS",
        description="After a profile rewrite the model could not write, how soon it is tried again (doubling to 5 min)")
    chroma_timeout: float = Field(8.0, gt=0, alias="LUMIA_CHROMA_TIMEOUT",
                                  description="Seconds one call to a Chroma server (CHROMA_URL) may take before the "
                                              "memory store counts as unavailable (below the gateway's 10 s)")
    chroma_open_brains: int = Field(256, ge=1, alias="LUMIA_CHROMA_OPEN_BRAINS",
                                    description="Brains whose vector index embedded Chroma keeps open")
    ingest_max_deliver: int = Field(5, ge=1, alias="LUMIA_INGEST_MAX_DELIVER",
                                    description="Attempts before a memory goes to the dead-letter stream")
    ingest_ack_wait: float = Field(60, ge=5, alias="LUMIA_INGEST_ACK_WAIT",
                                   description="Seconds before a memory taken by an ingest worker that died is "
                                               "handed to another (context jobs: twice this)")
    jetstream_replicas: int = Field(1, ge=1, le=5, alias="LUMIA_JETSTREAM_REPLICAS",
                                    description="Copies the NATS cluster keeps of the memory queue, dead letters and "
                                                "key-value buckets: 3 in a 3-node cluster, so losing a node loses none")
    forget_wait: float = Field(5, gt=0, le=9, alias="LUMIA_FORGET_WAIT",
                               description="Seconds a delete may spend reading the brain's memories accepted "
                                           "and not stored yet (a large import), then answers 503 (below the "
                                           "gateway's 10 s)")

    # Tools.
    tool_timeout: float = Field(10.0, gt=0, alias="LUMIA_TOOL_TIMEOUT",
                                description="Seconds one tool call may take, retries included")
    tool_max_bytes: int = Field(16 * 1024, ge=256, alias="LUMIA_TOOL_MAX_BYTES",
                                description="Most of a tool's answer passed to the model")
    tool_allowed_networks: str = Field(
        "127.0.0.0/8,::1/128,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7",
        alias="LUMIA_TOOL_ALLOWED_NETWORKS",
        description="Comma-separated networks tool callbacks may reach; link-local, metadata, unspecified "
        "and multicast addresses are refused whatever this says",
    )
    router_timeout: float = Field(10.0, gt=0, alias="LUMIA_ROUTER_TIMEOUT",
                                  description="Longest wait for the router model's decision")

    # Accounts and hardening.
    rate_limit: float = Field(120, gt=0, alias="LUMIA_RATE_LIMIT",
                              description="Requests a minute one user may make on average (per gateway replica)")
    rate_burst: int = Field(60, ge=1, alias="LUMIA_RATE_BURST", description="Requests one user may make at once")
    ingest_rate: float = Field(
        3000, gt=0, alias="LUMIA_INGEST_RATE",
        description="Memories (notes, batch items, document chunks) a minute one user may send on average, in bursts "
                    "of twice as many, with accounts on (per gateway replica): the ingest queue is shared")
    account_attempts: float = Field(
        10, gt=0, alias="LUMIA_ACCOUNT_ATTEMPTS",
        description="Failed logins a minute per username (five times as many per client address) and new accounts a "
                    "minute per client address, in bursts of as many; over it: 429")
    max_body_bytes: int = Field(1024 * 1024, ge=1024, alias="LUMIA_MAX_BODY_BYTES",
                                description="Largest request body the gateway reads")
    tool_admins: str = Field("", alias="LUMIA_TOOL_ADMINS",
                             description="Comma-separated usernames that may register tools for everyone")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, name: str | None) -> str | None:
        if not name:
            return None
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {name!r}: use an IANA name such as Europe/Stockholm") from exc
        return name

    @property
    def zone(self) -> tzinfo:
        """LUMIA_TIMEZONE, or this machine's (Lumia runs where its user is)."""
        import tzlocal

        if self.timezone:
            return ZoneInfo(self.timezone)
        try:
            return tzlocal.get_localzone()
        except Exception:  # a TZ of no known zone ("CET-1CEST"): days in UTC, said once
            _warn_once("the machine's time zone is unknown (TZ?): days begin in UTC; set LUMIA_TIMEZONE")
            return UTC

    def refuse_unsafe_auth(self) -> None:
        """LUMIA_AUTH=off trusts whatever user_id a request names: only on this machine."""
        if self.auth == "off" and self.host not in LOOPBACK_HOSTS:
            raise SystemExit(f"LUMIA_AUTH=off trusts every request's user_id, so it only runs on a loopback "
                             f"address; LUMIA_HOST is {self.host}. Use LUMIA_AUTH=required, or LUMIA_HOST=127.0.0.1.")

    def keep_data_private(self) -> None:
        """Every user's memories, messages and password hashes are under LUMIA_DATA_DIR: readable by
        this account alone. Files this process creates anywhere (a CHROMA_PERSIST_DIRECTORY, SQLite
        elsewhere) are made 0600, and the data directory, when this account owns it, 0700."""
        os.umask(0o077)
        self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        if self.data_dir.stat().st_uid == os.getuid():
            self.data_dir.chmod(0o700)

    @property
    def database(self) -> str:
        """DATABASE_URL for the async drivers; SQLite under LUMIA_DATA_DIR when unset."""
        from shared.db import database_url

        return database_url(self.database_url, self.data_dir)

    @property
    def nats_servers(self) -> str:
        """Where components connect; `make up` sets NATS_URL to its embedded server. Without NATS_URL
        (`lumia reindex`, a worker started by hand) the embedded server's token is read from the data dir."""
        if self.nats_url:
            return self.nats_url
        # The port `make up` chose (4222 when free), with the server's pid: the token goes only to
        # that server while it runs, never to whichever other server listens on 4222.
        try:
            port = int((self.data_dir / NATS_PORT_FILE).read_text())
            os.kill(int((self.data_dir / NATS_PID_FILE).read_text()), 0)
        except (OSError, ValueError):
            return "nats://127.0.0.1:4222"
        token = self.embedded_nats_token()
        return f"nats://{token}@127.0.0.1:{port}" if token else f"nats://127.0.0.1:{port}"

    def embedded_nats_token(self, create: bool = False) -> str | None:
        """The token of `make up`'s embedded nats-server, kept in LUMIA_DATA_DIR (0600)."""
        path = self.data_dir / NATS_TOKEN_FILE
        if create and self.embedded_nats_token() is None:  # none yet, or an empty one left by a crash
            path.unlink(missing_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_urlsafe(32))
        try:
            return path.read_text().strip() or None
        except OSError:
            return None

    @property
    def chroma_directory(self) -> Path:
        return self.chroma_persist_directory or self.data_dir / "chroma"

    @property
    def keepalive_interval(self) -> float:
        """How often a waiting llm_worker proves it is alive: well inside the stream timeout."""
        return self.stream_timeout / 3


@lru_cache
def _warn_once(message: str) -> None:
    logging.getLogger("lumia.settings").warning(message)


@lru_cache
def get_settings() -> Settings:
    return Settings()
