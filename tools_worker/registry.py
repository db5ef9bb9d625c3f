"""The tool registry: a JetStream key-value bucket, so every replica sees the same tools at
once and they survive restarts. Broker-free apart from the bucket handle."""

from nats.js import JetStreamContext
from nats.js.errors import KeyNotFoundError
from nats.js.kv import KeyValue

from shared import subjects
from shared.bus import stream_subjects
from shared.tools import ToolDefinition, ToolList

GLOBAL = "global"


def _key(name: str, owner: str | None) -> str:
    return f"{GLOBAL}.{name}" if owner is None else f"user.{owner}.{name}"


class ToolRegistry:
    """Tools for everyone (`global.<name>`) and tools of one account (`user.<owner>.<name>`)."""

    def __init__(self, bucket: KeyValue, js: JetStreamContext) -> None:
        self._bucket = bucket
        self._js = js

    async def _keys(self) -> list[str]:
        """Every key the bucket has held (a removed one reads as None). Not `KeyValue.keys()`: its
        watcher can mark the listing complete before the entries already sent to it are handled
        (nats.py), and a listing then misses tools, the one just registered included."""
        prefix = f"$KV.{subjects.TOOLS_BUCKET}."
        held = await stream_subjects(self._js, f"KV_{subjects.TOOLS_BUCKET}", f"{prefix}>")
        return [subject.removeprefix(prefix) for subject in held]

    async def visible(self, owner: str | None) -> ToolList:
        """Everyone's tools, with the owner's own winning over one of the same name; `shared`
        names the ones that are everyone's."""
        keys = await self._keys()
        prefixes = [_key("", None)] + ([_key("", owner)] if owner is not None else [])
        found: dict[str, tuple[ToolDefinition, bool]] = {}
        for prefix in prefixes:  # the owner's come last and win
            for key in sorted(k for k in keys if k.startswith(prefix)):
                tool = await self._load(key)
                if tool is not None:
                    found[tool.name] = (tool, prefix == _key("", None))
        listed = sorted(found.values(), key=lambda held: held[0].name)
        return ToolList(tools=[tool for tool, _ in listed], shared=[tool.name for tool, shared in listed if shared])

    async def names(self, owner: str | None) -> list[str]:
        """The names of the tools registered for `owner` (for everyone when None)."""
        prefix = _key("", owner)
        return [key.removeprefix(prefix) for key in await self._keys()
                if key.startswith(prefix) and await self._load(key) is not None]

    async def get(self, name: str, owner: str | None) -> ToolDefinition | None:
        own = await self._load(_key(name, owner)) if owner is not None else None
        return own or await self._load(_key(name, None))

    async def _load(self, key: str) -> ToolDefinition | None:
        try:
            entry = await self._bucket.get(key)
        except KeyNotFoundError:
            return None
        return ToolDefinition.model_validate_json(entry.value) if entry.value else None

    async def put(self, tool: ToolDefinition, owner: str | None) -> None:
        await self._bucket.put(_key(tool.name, owner), tool.model_dump_json().encode())

    async def delete(self, name: str, owner: str | None) -> bool:
        key = _key(name, owner)
        if await self._load(key) is None:
            return False
        await self._bucket.purge(key)
        return True
