"""tools_worker: the tool registry and HTTP tool callbacks.

Consumes
- `lumia.tools.ping` (queue `tools`): health probe.

Publishes
- `WorkerStatus` as the reply to a ping.

`lumia.tools.invoke` arrives with issue 5.

Run: `python -m tools_worker`.
"""

from faststream import FastStream

from shared import subjects
from shared.bus import instance_name, make_app, make_broker
from shared.messages import WorkerStatus
from shared.settings import Settings, get_settings


def create_app(settings: Settings | None = None) -> FastStream:
    settings = settings or get_settings()
    instance = instance_name("tools")
    broker = make_broker(settings.nats_servers, instance)

    @broker.subscriber(subjects.worker_ping("tools"), queue=subjects.QUEUE_TOOLS)
    async def on_ping() -> WorkerStatus:
        return WorkerStatus(kind="tools", instance=instance)

    return make_app(broker, "tools", __doc__)
