"""Run the gateway: `python -m gateway` (LUMIA_HOST:LUMIA_PORT)."""

import asyncio
import socket

import uvicorn
from fastapi import FastAPI

from gateway.app import create_app
from shared.logging import configure_logging
from shared.settings import get_settings

GRACE = 5  # seconds open requests get to finish once the gateway is told to stop
ANSWERS_END_AFTER = 3.0  # open answers then end with a `shutting_down` error, inside the grace


class Server(uvicorn.Server):
    """uvicorn, except that answers still streaming when it stops end with an error event saying
    so, instead of being cut off when its grace period runs out."""

    def __init__(self, config: uvicorn.Config, app: FastAPI) -> None:
        super().__init__(config)
        self._app = app

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        relay = getattr(self._app.state, "relay", None)
        if relay is not None:  # also for a request that opens its answer during the grace
            asyncio.get_running_loop().call_later(ANSWERS_END_AFTER, relay.shutting_down)
        await super().shutdown(sockets)


def main() -> None:
    settings = get_settings()
    configure_logging(settings.log_level, "gateway")
    settings.keep_data_private()
    app = create_app(settings)
    config = uvicorn.Config(app, host=settings.host, port=settings.port, log_level=settings.log_level.lower(),
                            timeout_graceful_shutdown=GRACE)
    Server(config, app).run()


if __name__ == "__main__":
    main()
