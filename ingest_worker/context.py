"""Giving stored turns their context, broker-free: the second, background stage of ingestion.

A turn is searchable as soon as it is stored with its own embedding; this adds the embedding
of it with the turn before it to both, and of it with the two turns before it to it
(shared/memory/context.py says why and how).
Idempotent: a turn whose own pair is done, or a neighbour that holds its next pair already,
is left as it is, so a redelivered job changes nothing.
"""

from collections import defaultdict

from shared.memory import context
from shared.memory.embedder import Embedder
from shared.memory.store import MemoryStore, StoredMemory


class ContextEnricher:
    def __init__(self, store: MemoryStore, embedder: Embedder) -> None:
        self.store = store
        self.embedder = embedder

    async def enrich(self, jobs: list[tuple[str, str]]) -> int:
        """(brain, memory id) pairs; returns how many memories were given their pair."""
        by_brain: dict[str, list[str]] = defaultdict(list)
        for brain, memory_id in jobs:
            by_brain[brain].append(memory_id)
        plans = [plan for brain, ids in by_brain.items() if (plan := await self._plan(brain, ids)) is not None]
        # One embedding call for every brain of the batch, as ingestion does.
        texts = [context.run_text(*run) for plan in plans for run in (*plan.pairs, *plan.runs)]
        vectors = await self.embedder.passages(texts)
        at = 0
        for plan in plans:
            size = len(plan.pairs) + len(plan.runs)
            await plan.apply(self.store, vectors[at : at + size])
            at += size
            # A turn forgotten while this batch was embedded: its delete may have looked for the turns
            # holding its words before these were written, so look again after. Any of them: a neighbour,
            # a turn of this job (its predecessor was given the pair) or the next turn a target already
            # held (the copy read before the delete was written back).
            used = plan.held()
            read = await self.store.get(plan.brain, ids=sorted(used), with_content=False) if used else []
            left = {m.id for m in read}
            # None of them read is no delete: the brain is cleared, or between a reindex's two renamings.
            if left and (gone := used - left):
                await context.detach(self.store, self.embedder, plan.brain, gone)
        return sum(len(plan.pairs) for plan in plans)

    async def _plan(self, brain: str, ids: list[str]) -> "Plan | None":
        if not await self.store.takes_context(brain):
            # An older brain, or one of another embedder (a refused write would fail the whole batch,
            # other brains' jobs too): plain vectors until `lumia reindex`.
            return None
        targets = [m for m in await self.store.get(brain, ids=list(dict.fromkeys(ids)), with_vectors=True)
                   if context.in_context(m.metadata) and not m.metadata.get(context.DONE)]
        if not targets:
            return None
        known = {m.id: m for m in targets}
        await self._fetch(brain, known, targets)
        await self._fetch(brain, known, [known[p] for m in targets if (p := _prev(m)) in known])
        plan = Plan(brain)
        for memory in context.order(targets):
            previous = known.get(_prev(memory))
            plan.touch(memory)
            if previous is None:
                memory.metadata[context.PREV] = ""  # gone (deleted, or never stored): no pair
                memory.metadata[context.DONE] = 1
                continue
            plan.pairs.append((previous, memory))
            plan.touch(previous)
            if (first := known.get(_prev(previous))) is not None:
                plan.runs.append((first, previous, memory))
        return plan

    async def _fetch(self, brain: str, known: dict[str, StoredMemory], memories: list[StoredMemory]) -> None:
        """Reads the predecessors of `memories` that are not `known` yet into it."""
        wanted = {_prev(m) for m in memories} - set(known) - {""}
        for memory in await self.store.get(brain, ids=sorted(wanted), with_vectors=True) if wanted else []:
            known[memory.id] = memory


def _prev(memory: StoredMemory) -> str:
    return str(memory.metadata.get(context.PREV) or "")


class Plan:
    """What one brain's batch will change; applied once its pairs are embedded."""

    def __init__(self, brain: str) -> None:
        self.brain = brain
        self.pairs: list[tuple[StoredMemory, StoredMemory]] = []
        self.runs: list[tuple[StoredMemory, StoredMemory, StoredMemory]] = []  # of three, ending in a target
        self._changed: dict[str, StoredMemory] = {}

    def touch(self, memory: StoredMemory) -> None:
        self._changed[memory.id] = memory

    def held(self) -> set[str]:
        """The turns whose words the memories it changes hold."""
        turns = {turn.id for run in (*self.pairs, *self.runs) for turn in run}
        linked = {str(m.metadata.get(key) or "") for m in self._changed.values()
                  for key in (context.PREV, context.PREV2, context.NEXT)}
        return (turns | linked) - {""}

    async def apply(self, store: MemoryStore, vectors: list[list[float]]) -> None:
        """`vectors`: the pairs' embeddings, then the runs'."""
        context.fold(self.pairs, vectors[: len(self.pairs)])
        context.fold_runs(self.runs, vectors[len(self.pairs) :])
        await store.update(self.brain, list(self._changed.values()))
