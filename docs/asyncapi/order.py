"""Puts a generated AsyncAPI document's channels, operations, messages and schemas in name order.

FastStream lists a broker's subscribers from a WeakSet, whose order follows memory addresses: each
`make docs` run, on each machine, wrote them in another order, a diff of hundreds of lines with no
change in the bus."""

import sys

import yaml


def ordered(document: dict) -> dict:
    for key in ("channels", "operations"):
        if isinstance(document.get(key), dict):
            document[key] = dict(sorted(document[key].items()))
    components = document.get("components") or {}
    for key in ("messages", "schemas"):
        if isinstance(components.get(key), dict):
            components[key] = dict(sorted(components[key].items()))
    return document


if __name__ == "__main__":
    for path in sys.argv[1:]:
        with open(path, encoding="utf-8") as file:
            document = yaml.safe_load(file)
        with open(path, "w", encoding="utf-8") as file:
            yaml.safe_dump(ordered(document), file, sort_keys=False, allow_unicode=True)
