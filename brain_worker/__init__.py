"""The brain worker: retrieval and the memory store's read side."""
