"""The ingest worker: durable, asynchronous memory writes."""
