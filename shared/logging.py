"""One log format for every Lumia process."""

import logging


def configure_logging(level: str, component: str) -> logging.Logger:
    logging.basicConfig(
        level=level.upper(),
        format=f"%(asctime)s %(levelname)s {component} %(name)s: %(message)s",
    )
    # One line per Ollama call is noise at INFO; failures are logged by Lumia itself.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    return logging.getLogger(f"lumia.{component}")
