"""The tools worker: the tool registry and HTTP tool callbacks."""
