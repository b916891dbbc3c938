#!/usr/bin/python3
"""Writes the seed corpus of every fuzz harness, from the repo's own test
inputs and small synthetic files, into OUT/<harness>/:

  module_loader            synthetic modules (tessera-fuzz-module-seeds), and
                           the repo's small lit models compiled with
                           --compiler when one is given (their kernel object
                           cut to its ELF header)
  onnx_importer            test/lit/frontend/onnx/*.onnxtxt as text, the same
                           models as binary ModelProtos (python3-onnx), and
                           the external-data model of the lit tests
  tokenizer_gpt2           a byte-level vocabulary with a few merges, texts
  tokenizer_sentencepiece  llama2.c tokenizer.bin and tokenizer.model files
  tokenizer_wordpiece      a BERT-style vocab.txt, texts and options
  safetensors_reader       the native lit tests' checkpoints
                           (test/lit/frontend/native/Inputs/make_checkpoints.py):
                           single files, and whole model directories
  llama2c_reader           the same script's llama2.c checkpoints, broken ones too

Multi-file inputs are joined with the separator of fuzz/common/FuzzSupport.h.
Only the repo and Debian's python3-onnx/python3-numpy are used; nothing is
copied from ../shared.

usage: make_seeds.py --out OUT [--module-tool PATH] [--compiler PATH]
"""
import argparse
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SPLIT = b"\n\x1e\x1e\n"

# Small lit models that compile to modules quickly (module_loader seeds).
COMPILED_MODELS = [
    "test/lit/frontend/onnx/elementwise.onnxtxt",
    "test/lit/frontend/onnx/matmul-gemm.onnxtxt",
    "test/lit/frontend/onnx/reductions-softmax.onnxtxt",
    "test/lit/frontend/onnx/slice-split.onnxtxt",
    "test/lit/frontend/onnx/reshape-infer.onnxtxt",
    "test/lit/frontend/onnx/fused-ops.onnxtxt",
]
# Also compiled for the CPU and CUDA in one module (PTX needs no CUDA).
DUAL_TARGET_MODELS = ["test/lit/frontend/onnx/matmul-gemm.onnxtxt"]

TEXTS = [
    b"Hello world",
    b"  leading spaces and trailing  ",
    b"I'm here, aren't you? It's 2024: 3.14 and 1e9!",
    "Gr\u00fc\u00dfe, caf\u00e9 na\u00efve \u4e2d\u6587 \U0001F600 \u2581x".encode(),
    b"\xff\xfe invalid \xc3( utf-8 \xe2\x82",
    b"tab\there\nnew line\r\n",
    b"",
]


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def join(*parts):
    return SPLIT.join(parts)


# ---- module_loader ----------------------------------------------------------

def module_seeds(out, tool, compiler):
    d = os.path.join(out, "module_loader")
    os.makedirs(d, exist_ok=True)
    compiled, work = [], None
    if compiler:
        work = tempfile.mkdtemp(prefix="tessera-seeds-")
        builds = [(m, "", []) for m in COMPILED_MODELS]
        builds += [(m, "-cpu-cuda", ["--target=cpu,cuda:sm_80"]) for m in DUAL_TARGET_MODELS]
        for model, suffix, flags in builds:
            src = os.path.join(ROOT, model)
            dst = os.path.join(work, os.path.basename(model).rsplit(".", 1)[0] + suffix + ".tsr")
            r = subprocess.run([compiler, src, "-o", dst] + flags, capture_output=True, text=True)
            if r.returncode == 0:
                compiled.append(dst)
            else:
                print(f"make_seeds: {model} did not compile (skipped): "
                      f"{r.stderr.strip()[:200]}", file=sys.stderr)
    if tool:
        subprocess.run([tool, d] + compiled, check=True)
    else:
        print("make_seeds: no --module-tool: module_loader has no seeds", file=sys.stderr)
    if work:
        shutil.rmtree(work, ignore_errors=True)
    return len(os.listdir(d))


# ---- onnx_importer ----------------------------------------------------------

def onnx_seeds(out):
    d = os.path.join(out, "onnx_importer")
    os.makedirs(d, exist_ok=True)
    lit = os.path.join(ROOT, "test/lit/frontend/onnx")
    texts = sorted(f for f in os.listdir(lit) if f.endswith(".onnxtxt"))
    for name in texts:
        shutil.copy(os.path.join(lit, name), os.path.join(d, name))
    try:
        import onnx
        import onnx.parser
    except ImportError:
        print("make_seeds: python3-onnx missing: no binary ONNX seeds", file=sys.stderr)
        return len(os.listdir(d))
    for name in texts:
        with open(os.path.join(lit, name)) as f:
            text = f.read()
        try:
            model = onnx.parser.parse_model(text)
        except Exception:  # the error-* tests are meant not to parse
            continue
        write(os.path.join(d, name.rsplit(".", 1)[0] + ".onnx"), model.SerializeToString())
    work = tempfile.mkdtemp(prefix="tessera-seeds-")
    try:
        script = os.path.join(lit, "Inputs/make_external_data.py")
        subprocess.run([sys.executable, script, work, "w.bin", os.path.join(work, "w.bin")],
                       check=True)
        shutil.copy(os.path.join(work, "model.onnx"), os.path.join(d, "external-data.onnx"))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return len(os.listdir(d))


# ---- tokenizers -------------------------------------------------------------

def bytes_to_unicode():
    bs = (list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAD)) +
          list(range(0xAE, 0x100)))
    cs, n = bs[:], 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


def gpt2_seeds(out):
    d = os.path.join(out, "tokenizer_gpt2")
    b2u = bytes_to_unicode()
    vocab = [b2u[b] for b in range(256)]
    merges = []
    for word in ["he", "ll", "hell", "hello", "\u0120w", "or", "\u0120wor", "ld",
                 "\u0120world", "in", "ing", "\u0120t", "th", "\u0120th", "e\u0120"]:
        # each merge joins two existing symbols: split at the last symbol
        for cut in range(len(word) - 1, 0, -1):
            left, right = word[:cut], word[cut:]
            if left in vocab and right in vocab:
                merges.append(f"{left} {right}")
                vocab.append(word)
                break
    vocab.append("<|endoftext|>")
    encoder = json.dumps({t: i for i, t in enumerate(vocab)}, ensure_ascii=False).encode()
    bpe = ("#version: 0.2\n" + "\n".join(merges) + "\n").encode()
    for i, text in enumerate(TEXTS):
        write(os.path.join(d, f"text-{i}"), join(encoder, bpe, text))
    # escapes and a CRLF merges file
    escaped = json.dumps({t: i for i, t in enumerate(vocab)}, ensure_ascii=True).encode()
    write(os.path.join(d, "escaped-crlf"), join(escaped, bpe.replace(b"\n", b"\r\n"), TEXTS[0]))
    return len(os.listdir(d))


SP = "\u2581"


def sp_pieces():
    """(text with ' ' for spaces, score, type): <unk>, <s>, </s>, bytes, words."""
    pieces = [("<unk>", 0.0, 2), ("<s>", 0.0, 3), ("</s>", 0.0, 3)]
    pieces += [(f"<0x{b:02X}>", 0.0, 6) for b in range(256)]
    words = [" ", "a", "b", "c", "h", "e", "l", "o", "w", "r", "d", "ab", " a", " ab",
             "he", "ll", "hell", "hello", " hello", " w", "or", " wor", "ld", " world"]
    pieces += [(w, -float(i), 1) for i, w in enumerate(words)]
    pieces.append(("<user>", 0.0, 4))
    return pieces


def llama2c_tokenizer(pieces):
    maxlen = max(len(p[0].encode()) for p in pieces)
    o = struct.pack("<i", maxlen)
    for text, score, kind in pieces:
        t = text.encode()
        if kind == 3:
            t = b"\n" + t + b"\n"
        o += struct.pack("<fi", score, len(t)) + t
    return o


def varint(v):
    v &= (1 << 64) - 1
    o = b""
    while True:
        b = v & 0x7F
        v >>= 7
        o += bytes([b | (0x80 if v else 0)])
        if not v:
            return o


def field(num, wire, payload):
    key = varint(num << 3 | wire)
    if wire == 2:
        return key + varint(len(payload)) + payload
    return key + payload


def model_proto(pieces, model_type=2, extra_normalizer=b""):
    o = b""
    for text, score, kind in pieces:
        m = field(1, 2, text.replace(" ", SP).encode()) + field(2, 5, struct.pack("<f", score))
        if kind != 1:
            m += field(3, 0, varint(kind))
        o += field(1, 2, m)
    trainer = (field(3, 0, varint(model_type)) + field(4, 0, varint(len(pieces))) +
               field(35, 0, varint(1)) + field(40, 0, varint(0)) + field(41, 0, varint(1)) +
               field(42, 0, varint(2)) + field(43, 0, varint(-1)))
    o += field(2, 2, trainer)
    norm = (field(1, 2, b"identity") + field(3, 0, varint(1)) + field(4, 0, varint(0)) +
            extra_normalizer)
    o += field(3, 2, norm)
    return o


def sentencepiece_seeds(out):
    d = os.path.join(out, "tokenizer_sentencepiece")
    pieces = sp_pieces()
    llama = llama2c_tokenizer(pieces)
    proto = model_proto(pieces)
    proto_ws = model_proto(pieces, extra_normalizer=field(4, 0, varint(1)))
    for i, text in enumerate(TEXTS):
        # flags: bit 0 ModelProto, bit 1 vocab size byte, bits 2/3 BOS/EOS
        write(os.path.join(d, f"llama2c-{i}"), bytes([0x04, 0]) + join(llama, text))
        write(os.path.join(d, f"proto-{i}"), bytes([0x05, 0]) + join(proto, text))
    write(os.path.join(d, "llama2c-sized"), bytes([0x0E, len(pieces) % 256]) +
          join(llama, TEXTS[0]))
    write(os.path.join(d, "proto-remove-ws"), bytes([0x01, 0]) + join(proto_ws, TEXTS[1]))
    return len(os.listdir(d))


def wordpiece_seeds(out):
    d = os.path.join(out, "tokenizer_wordpiece")
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "hello", "world", "##s",
             "##ing", "play", "un", "##want", "##ed", ",", ".", "!", "?", "'", "cafe",
             "\u4e2d", "\u6587", "a", "##b", "##c"]
    text = ("\n".join(vocab) + "\n").encode()
    for i, t in enumerate(TEXTS + [b"Unwanted, playing the worlds! CAF\xc3\x89"]):
        # flags: lowerCase | cleanText | handleChineseChars; 100 chars a word
        write(os.path.join(d, f"uncased-{i}"), bytes([0x07, 100]) + join(text, t))
    write(os.path.join(d, "cased-custom"),
          bytes([0x1A, 5]) + join(text.replace(b"##", b"@@"), b"Hello unwanted",
                                  b"[UNK]", b"@@"))
    write(os.path.join(d, "crlf"), bytes([0x07, 100]) + join(text.replace(b"\n", b"\r\n"),
                                                             b"hello world"))
    return len(os.listdir(d))


# ---- native checkpoints -----------------------------------------------------

def native_seeds(out):
    st = os.path.join(out, "safetensors_reader")
    l2 = os.path.join(out, "llama2c_reader")
    os.makedirs(st, exist_ok=True)
    os.makedirs(l2, exist_ok=True)
    work = tempfile.mkdtemp(prefix="tessera-seeds-")
    try:
        script = os.path.join(ROOT, "test/lit/frontend/native/Inputs/make_checkpoints.py")
        r = subprocess.run([sys.executable, script, work], capture_output=True, text=True)
        if r.returncode != 0:
            print("make_seeds: make_checkpoints.py failed: no native seeds\n" + r.stderr,
                  file=sys.stderr)
            return 0, 0
        for dirpath, _, files in os.walk(work):
            rel = os.path.relpath(dirpath, work).replace(os.sep, "-")
            rel = "" if rel == "." else rel + "-"
            for f in sorted(files):
                path = os.path.join(dirpath, f)
                data = open(path, "rb").read()
                if f.endswith(".bin"):
                    write(os.path.join(l2, rel + f), data)
                elif f.endswith(".safetensors") and len(data) < (1 << 20):
                    write(os.path.join(st, rel + f), data)
            # A whole model directory: config.json, model.safetensors, index.
            config = os.path.join(dirpath, "config.json")
            single = os.path.join(dirpath, "model.safetensors")
            if os.path.exists(config) and os.path.exists(single):
                weights = open(single, "rb").read()
                write(os.path.join(st, rel + "dir"),
                      join(open(config, "rb").read(), weights, b""))
                names = tensor_names(weights)
                if names is None:  # a deliberately broken header
                    continue
                index = json.dumps({"metadata": {}, "weight_map": {
                    name: "model-00001-of-00001.safetensors" for name in names}}).encode()
                write(os.path.join(st, rel + "dir-indexed"),
                      join(open(config, "rb").read(), weights, index))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    # Other dtypes and a scalar, written here.
    write(os.path.join(st, "dtypes.safetensors"), safetensors({
        "h": ("F16", [2, 2], b"\x00\x3c" * 4), "b": ("BF16", [3], b"\x80\x3f" * 3),
        "d": ("F64", [1], struct.pack("<d", 2.5)), "i": ("I64", [2], b"\x01" * 16),
        "s": ("F32", [], struct.pack("<f", 1.0)), "e": ("U8", [0], b"")}))
    return len(os.listdir(st)), len(os.listdir(l2))


def safetensors(tensors):
    header, data = {"__metadata__": {"format": "pt"}}, b""
    for name, (dtype, shape, raw) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape,
                        "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    text = json.dumps(header).encode()
    text += b" " * (-(8 + len(text)) % 8)
    return struct.pack("<Q", len(text)) + text + data


def tensor_names(data):
    """The tensor names of a safetensors file, None when its header is bad."""
    try:
        n = struct.unpack("<Q", data[:8])[0]
        return [k for k in json.loads(data[8:8 + n]) if k != "__metadata__"]
    except (ValueError, struct.error, TypeError):
        return None


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", required=True)
    p.add_argument("--module-tool")
    p.add_argument("--compiler")
    a = p.parse_args()
    if os.path.isdir(a.out):
        shutil.rmtree(a.out)
    os.makedirs(a.out)
    counts = {"module_loader": module_seeds(a.out, a.module_tool, a.compiler),
              "onnx_importer": onnx_seeds(a.out),
              "tokenizer_gpt2": gpt2_seeds(a.out),
              "tokenizer_sentencepiece": sentencepiece_seeds(a.out),
              "tokenizer_wordpiece": wordpiece_seeds(a.out)}
    counts["safetensors_reader"], counts["llama2c_reader"] = native_seeds(a.out)
    for name, n in counts.items():
        print(f"make_seeds: {name}: {n} seeds")
    return 0


if __name__ == "__main__":
    sys.exit(main())
