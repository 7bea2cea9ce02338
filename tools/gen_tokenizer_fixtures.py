#!/usr/bin/env python3
"""Golden fixtures for the pure-Java tokenizers (transformer module tests).

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
OUT = os.path.join(os.path.dirname(__file__), "..", "transformer", "src", "test", "resources", "tokenizer")

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


def encode_with_controls(sp, controls, text):
    """sp.encode, except that control pieces written in the text (<s>, [INST], ...) become their
    ids, as transformers does; the text between them is encoded segment by segment."""
    ids, start, i = [], 0, 0
    while i < len(text):
        match = next((c for c in controls if text.startswith(c, i)), None)
        if match is None:
            i += 1
            continue
        ids += sp.encode(text[start:i]) + [sp.piece_to_id(match)]
        i += len(match)
        start = i
    return ids + sp.encode(text[start:])


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
        controls = sorted(
            (sp.id_to_piece(i) for i in range(sp.vocab_size()) if sp.is_control(i)), key=len, reverse=True
        )
        cases = []
        for text in TEXTS:
            ids = encode_with_controls(sp, controls, text)
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
            "cases": cases,
        }
    with open(os.path.join(OUT, "sentencepiece_fixtures.json"), "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
    print("wrote sentencepiece_fixtures.json")


if __name__ == "__main__":
    sentencepiece_fixtures()
