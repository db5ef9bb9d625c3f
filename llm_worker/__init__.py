"""The conversation engine: builds the prompt and streams Ollama's answer over NATS."""
