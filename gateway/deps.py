"""FastAPI dependencies: the clients built in the lifespan, handed to routes."""

from typing import Annotated

from fastapi import Depends, Request
from nats.aio.client import Client

from gateway.relay import ChatRelay
from shared.settings import Settings
from shared.threads.store import ThreadStore


def _relay(request: Request) -> ChatRelay:
    return request.app.state.relay  # type: ignore[no-any-return]


def _nats(request: Request) -> Client:
    return request.app.state.nats  # type: ignore[no-any-return]


def _settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def _threads(request: Request) -> ThreadStore:
    return request.app.state.threads  # type: ignore[no-any-return]


Threads = Annotated[ThreadStore, Depends(_threads)]
Relay = Annotated[ChatRelay, Depends(_relay)]
Nats = Annotated[Client, Depends(_nats)]
AppSettings = Annotated[Settings, Depends(_settings)]
