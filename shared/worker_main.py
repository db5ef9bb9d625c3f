"""The entry point shared by every worker's `__main__`."""

import asyncio
import importlib

from shared.logging import configure_logging
from shared.settings import get_settings


def run_worker(kind: str, app_module: str) -> None:
    settings = get_settings()
    configure_logging(settings.log_level, f"{kind}_worker")
    settings.keep_data_private()
    app = importlib.import_module(app_module).create_app(settings)
    # uvloop (shipped with uvicorn[standard]) where available: the bus hops are loop-bound.
    try:
        import uvloop
    except ImportError:
        asyncio.run(app.run())
    else:
        uvloop.run(app.run())
