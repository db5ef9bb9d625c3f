"""Conversation threads: persistent history, per-thread brain and system prompt."""
