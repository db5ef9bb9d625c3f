"""The HTTP + SSE front door: validates, publishes to NATS, relays replies. No model calls."""
