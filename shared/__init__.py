"""Lumia's contracts: subjects, bus messages, settings, the NATS helper and logging.

Every other package imports contracts from here and from nowhere else.
"""
