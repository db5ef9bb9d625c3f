"""The tool registry: a JetStream key-value bucket, so every replica sees the same tools at
once and they survive restarts. Broker-free apart from the bucket handle."""

from nats.js import JetStreamContext
from nats.js.api import KeyValueConfig, StorageType
from nats.js.errors import BucketNotFoundError, KeyNotFoundError
from nats.js.kv import KeyValue

from shared import subjects
from shared.tools import ToolDefinition


async def tools_bucket(js: JetStreamContext) -> KeyValue:
    try:
        return await js.key_value(subjects.TOOLS_BUCKET)
    except BucketNotFoundError:
        return await js.create_key_value(KeyValueConfig(bucket=subjects.TOOLS_BUCKET, history=1,
                                                        storage=StorageType.FILE))


class ToolRegistry:
    def __init__(self, bucket: KeyValue) -> None:
        self._bucket = bucket

    async def all(self) -> list[ToolDefinition]:
        try:
            keys = await self._bucket.keys()
        except Exception:  # nats-py raises NoKeysError for an empty bucket
            return []
        tools = []
        for key in sorted(keys):
            tool = await self.get(key)
            if tool is not None:
                tools.append(tool)
        return tools

    async def get(self, name: str) -> ToolDefinition | None:
        try:
            entry = await self._bucket.get(name)
        except KeyNotFoundError:
            return None
        return ToolDefinition.model_validate_json(entry.value) if entry.value else None

    async def put(self, tool: ToolDefinition) -> None:
        await self._bucket.put(tool.name, tool.model_dump_json().encode())

    async def delete(self, name: str) -> bool:
        if await self.get(name) is None:
            return False
        await self._bucket.purge(name)
        return True
