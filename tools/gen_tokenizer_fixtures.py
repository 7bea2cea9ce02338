#!/usr/bin/env python3
"""Golden fixtures for the pure-Java tokenizers (tokenizers module tests).

SentencePiece: ids and decoded text from the reference C++ library (Debian
python3-sentencepiece) for the tokenizer.model files in ../shared/models. (Chat-template
fixtures come from tools/gen_chat_template_fixtures.py.)

Run from the repository root:
    /usr/bin/python3 tools/gen_tokenizer_fixtures.py
"""
import json
import os
import sys

SHARED = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "models")
OUT = os.path.join(os.path.dirname(__file__), "..", "tokenizers", "src", "test", "resources", "tokenizer")

# Varied text: whitespace runs, leading/trailing spaces, newlines and tabs, digits, code, accents,
# CJK, emoji (multi-codepoint), control-token look-alikes, characters outside small vocabularies.
TEXTS = [
    "Once upon a time",
    "Once upon a time, there was a little girl named Lily. She loved to play outside.",
    "Hello world",
    "  leading and trailing  ",
    "multiple    spaces   between words",
    "tabs\tand\nnewlines\n\nend",
    "Numbers: 0 12 345 6789 3.14159 1,000,000 2024-11-28",
    "def square(x):\n    return x ** 2  # comment\n",
    "if (a < b && c != d) { return a[i] + b->c; }",
    "Ünïcödé café naïve façade — “quotes” ‘single’ …",
    "日本語のテキストと中文字符",
    "emoji 😀🎉👍🏽 family 👨\u200d👩\u200d👧",
    "<s> control tokens </s> [INST] hi [/INST] <unk>",
    "I'm sure they'll say it's fine, won't they?",
    " ",
    "",
    "x",
    "a\u00a0b\u3000c\u2009d",
    "ALL CAPS SHOUTING and MiXeD cAsE",
    "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz",
]

SP_MODELS = ["stories260K", "tinyllama-1.1b-chat", "mistral-7b-instruct-v0.3"]


# Models whose text after a control token gets no dummy-prefix '▁' (transformers' legacy=False;
# Mistral's reference tokenizer, mistral-common, encodes each message on its own).
NON_LEGACY = {"mistral-7b-instruct-v0.3"}


def _varint(buf, i):
    shift = value = 0
    while True:
        b = buf[i]
        i += 1
        value |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            return value, i


def _encode_varint(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        out.append(b | (0x80 if v else 0))
        if not v:
            return bytes(out)


def _fields(buf):
    """(field number, wire type, raw bytes of the whole field) of a protobuf message."""
    i = 0
    while i < len(buf):
        start = i
        tag, i = _varint(buf, i)
        wire = tag & 7
        if wire == 0:
            _, i = _varint(buf, i)
        elif wire == 1:
            i += 8
        elif wire == 2:
            n, i = _varint(buf, i)
            i += n
        elif wire == 5:
            i += 4
        else:
            raise ValueError("wire type %d" % wire)
        yield tag >> 3, wire, buf[start:i]


def without_dummy_prefix(model_bytes):
    """The model with normalizer_spec.add_dummy_prefix = false (what transformers does for
    legacy=False), rewritten without the protobuf library."""
    out = bytearray()
    for field, wire, raw in _fields(model_bytes):
        if field != 3:
            out += raw
            continue
        tag_len = len(_encode_varint((3 << 3) | 2))
        _, body_start = _varint(raw, tag_len)
        spec = bytearray()
        for f, w, r in _fields(raw[body_start:]):
            if f != 3:
                spec += r
        spec += bytes([3 << 3, 0])  # add_dummy_prefix: false
        out += _encode_varint((3 << 3) | 2) + _encode_varint(len(spec)) + spec
    return bytes(out)


def encode_with_controls(sp, sp_no_prefix, controls, text):
    """sp.encode, except that control pieces written in the text (<s>, [INST], ...) become their
    ids, as transformers does; the text between them is encoded segment by segment. With
    sp_no_prefix (legacy=False) only the segment at the start of the text gets the '▁' prefix."""
    ids, start, i = [], 0, 0
    while i < len(text):
        match = next((c for c in controls if text.startswith(c, i)), None)
        if match is None:
            i += 1
            continue
        enc = sp if start == 0 or sp_no_prefix is None else sp_no_prefix
        ids += enc.encode(text[start:i]) + [sp.piece_to_id(match)]
        i += len(match)
        start = i
    enc = sp if start == 0 or sp_no_prefix is None else sp_no_prefix
    return ids + enc.encode(text[start:])


# Conversations as Mistral's reference tokenizer (mistral-common, SentencePiece instruct
# tokenizer v2/v3) encodes them: BOS, then per user message [INST] + encode(content) + [/INST]
# (the system prompt joined to the last user message with a blank line), per assistant message
# encode(content) + EOS; encode() is plain SentencePiece encoding with its dummy prefix.
MISTRAL_CONVERSATIONS = [
    [{"role": "user", "content": "hi"}],
    [
        {"role": "system", "content": "You are terse."},
        {"role": "user", "content": "What is 2+2?"},
        {"role": "assistant", "content": "It is 4."},
        {"role": "user", "content": "And 3+3?\nExplain."},
    ],
    [{"role": "user", "content": "  two leading spaces and\n\nnewlines"}],
    [
        {"role": "user", "content": "Ünïcödé 😀 as text"},
        {"role": "assistant", "content": "Sure: {{2}}"},
        {"role": "user", "content": "x"},
    ],
]


def mistral_common_ids(sp, messages):
    system = next((m["content"] for m in messages if m["role"] == "system"), None)
    turns = [m for m in messages if m["role"] != "system"]
    last_user = max(i for i, m in enumerate(turns) if m["role"] == "user")
    ids = [sp.bos_id()]
    for i, m in enumerate(turns):
        if m["role"] == "user":
            content = system + "\n\n" + m["content"] if i == last_user and system else m["content"]
            ids += [sp.piece_to_id("[INST]")] + sp.encode(content) + [sp.piece_to_id("[/INST]")]
        else:
            ids += sp.encode(m["content"]) + [sp.eos_id()]
    return ids


def sentencepiece_fixtures():
    try:
        import sentencepiece as spm
    except ImportError:
        print("sentencepiece not importable; run with /usr/bin/python3", file=sys.stderr)
        return
    out = {"sentencepiece_version": spm.__version__, "models": {}}
    for name in SP_MODELS:
        path = os.path.join(SHARED, name, "tokenizer.model")
        sp = spm.SentencePieceProcessor(model_file=path)
        sp_no_prefix = None
        if name in NON_LEGACY:
            with open(path, "rb") as f:
                sp_no_prefix = spm.SentencePieceProcessor(model_proto=without_dummy_prefix(f.read()))
        controls = sorted(
            (sp.id_to_piece(i) for i in range(sp.vocab_size()) if sp.is_control(i)), key=len, reverse=True
        )
        cases = []
        for text in TEXTS:
            ids = encode_with_controls(sp, sp_no_prefix, controls, text)
            cases.append(
                {"text": text, "ids": ids, "decoded": sp.decode(ids), "decoded_with_bos": sp.decode([sp.bos_id()] + ids)}
            )
        # Invalid UTF-8 from byte pieces: truncated and stray sequences.
        byte_ids = lambda bs: [sp.piece_to_id("<0x%02X>" % x) for x in bs]
        broken = [
            byte_ids([0xE6, 0x97]),
            byte_ids([0xF0, 0x9F, 0x98]) + sp.encode("ok"),
            byte_ids([0xFF, 0x41, 0xC3]),
            byte_ids([0xED, 0xA0, 0x80]),  # a UTF-16 surrogate, invalid in UTF-8
        ]
        cases_bytes = [{"ids": ids, "decoded": sp.decode(ids)} for ids in broken]
        out["models"][name] = {
            "invalid_bytes": cases_bytes,
            "vocab_size": sp.vocab_size(),
            "bos_id": sp.bos_id(),
            "eos_id": sp.eos_id(),
            "unk_id": sp.unk_id(),
            "legacy": name not in NON_LEGACY,
            "cases": cases,
        }
        if name in NON_LEGACY:
            out["models"][name]["mistral_common"] = [
                {"messages": conv, "ids": mistral_common_ids(sp, conv)} for conv in MISTRAL_CONVERSATIONS
            ]
    with open(os.path.join(OUT, "sentencepiece_fixtures.json"), "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
    print("wrote sentencepiece_fixtures.json")


if __name__ == "__main__":
    sentencepiece_fixtures()
