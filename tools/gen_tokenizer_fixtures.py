#!/usr/bin/env python3
"""Golden fixtures for the pure-Java tokenizers (transformer module tests).

1. SentencePiece: ids and decoded text from the reference C++ library (Debian
   python3-sentencepiece) for the tokenizer.model files in ../shared/models.
2. Chat templates: the chat_template of tokenizer_config.json rendered with Jinja2 in the
   environment transformers uses (trim_blocks, lstrip_blocks, loopcontrols, raise_exception,
   tojson = json.dumps(ensure_ascii=False)).

Run from the repository root (either interpreter may lack one of the libraries; each part is
skipped with a message if so):
    /usr/bin/python3 tools/gen_tokenizer_fixtures.py sentencepiece
    python3 tools/gen_tokenizer_fixtures.py chat        # needs jinja2
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


CONVERSATIONS = [
    {"messages": [{"role": "user", "content": "Hello!"}], "add_generation_prompt": True},
    {
        "messages": [
            {"role": "system", "content": "You are a helpful assistant."},
            {"role": "user", "content": "  What is 2+2?  "},
            {"role": "assistant", "content": "It is 4."},
            {"role": "user", "content": "And 3+3?\nExplain."},
        ],
        "add_generation_prompt": True,
    },
    {
        "messages": [
            {"role": "user", "content": "Think first."},
            {"role": "assistant", "content": "<think>\nLet me see.\n</think>\n\nDone."},
            {"role": "user", "content": "Again, with ünïcödé 😀"},
        ],
        "add_generation_prompt": False,
    },
    {
        "messages": [{"role": "user", "content": "No thinking please."}],
        "add_generation_prompt": True,
        "extra": {"enable_thinking": False},
    },
]

# Tool use (Qwen3's template renders tools with tojson and tool calls/responses).
CONVERSATIONS.append(
    {
        "messages": [
            {"role": "user", "content": "Weather in Paris?"},
            {
                "role": "assistant",
                "content": "",
                "tool_calls": [
                    {"type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris", "unit": "°C"}}}
                ],
            },
            {"role": "tool", "content": "{\"temp\": 21}"},
            {"role": "tool", "content": "second \"result\"\n"},
        ],
        "add_generation_prompt": True,
        "extra": {
            "tools": [
                {
                    "type": "function",
                    "function": {
                        "name": "get_weather",
                        "description": "Current weather — by city",
                        "parameters": {
                            "type": "object",
                            "properties": {"city": {"type": "string"}, "days": {"type": "integer", "default": 1}},
                            "required": ["city"],
                        },
                    },
                }
            ]
        },
    }
)

CHAT_MODELS = ["llama-3-8b-instruct", "qwen3-1.7b"]

# Templates of other families, written in the style of their published tokenizer_config.json files
# (the shared folders do not hold them); they exercise slices, raise_exception, .strip(), trim,
# whitespace control and loop variables.
EXTRA_TEMPLATES = {
    "llama-2-style": {
        "special": {"bos_token": "<s>", "eos_token": "</s>"},
        "template": "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}{% set system_message = messages[0]['content'] %}{% else %}{% set loop_messages = messages %}{% set system_message = false %}{% endif %}{% for message in loop_messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if loop.index0 == 0 and system_message != false %}{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}{% else %}{% set content = message['content'] %}{% endif %}{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}{% endfor %}",
    },
    "zephyr-style": {
        "special": {"bos_token": "<s>", "eos_token": "</s>"},
        "template": "{% for message in messages %}\n{% if message['role'] == 'user' %}\n{{ '<|user|>\n' + message['content'] + eos_token }}\n{% elif message['role'] == 'system' %}\n{{ '<|system|>\n' + message['content'] + eos_token }}\n{% elif message['role'] == 'assistant' %}\n{{ '<|assistant|>\n'  + message['content'] + eos_token }}\n{% endif %}\n{% if loop.last and add_generation_prompt %}\n{{ '<|assistant|>' }}\n{% endif %}\n{% endfor %}",
    },
    "smollm2-style": {
        "special": {"bos_token": "<|im_start|>", "eos_token": "<|im_end|>"},
        "template": "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}",
    },
    "mistral-style": {
        "special": {"bos_token": "<s>", "eos_token": "</s>"},
        "template": """{%- if messages[0]["role"] == "system" %}
    {%- set system_message = messages[0]["content"] %}
    {%- set loop_messages = messages[1:] %}
{%- else %}
    {%- set loop_messages = messages %}
{%- endif %}

{{- bos_token }}
{%- for message in loop_messages %}
    {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}
        {{- raise_exception('After the optional system message, conversation roles must alternate user/assistant/user/assistant/...') }}
    {%- endif %}
    {%- if message["role"] == "user" %}
        {%- if loop.last and system_message is defined %}
            {{- "[INST] " + system_message + "\n\n" + message["content"] + "[/INST]" }}
        {%- else %}
            {{- "[INST] " + message["content"] + "[/INST]" }}
        {%- endif %}
    {%- elif message["role"] == "assistant" %}
        {{- " " + message["content"]|trim + eos_token}}
    {%- else %}
        {{- raise_exception("Only user and assistant roles are supported, with the exception of an initial optional system message!") }}
    {%- endif %}
{%- endfor %}
""",
    },
    "gemma-style": {
        "special": {"bos_token": "<bos>", "eos_token": "<eos>"},
        "template": "{{ bos_token }}{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if (message['role'] == 'assistant') %}{% set role = 'model' %}{% else %}{% set role = message['role'] %}{% endif %}{{ '<start_of_turn>' + role + '\n' + message['content'] | trim + '<end_of_turn>\n' }}{% endfor %}{% if add_generation_prompt %}{{'<start_of_turn>model\n'}}{% endif %}",
    },
}


def chat_fixtures():
    try:
        import jinja2
        from jinja2.sandbox import ImmutableSandboxedEnvironment
    except ImportError:
        print("jinja2 not importable", file=sys.stderr)
        return

    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=["jinja2.ext.loopcontrols"])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    out = {"jinja2_version": jinja2.__version__, "models": {}}
    for name in CHAT_MODELS:
        with open(os.path.join(SHARED, name, "tokenizer_config.json"), encoding="utf-8") as f:
            config = json.load(f)
        template = env.from_string(config["chat_template"])
        special = {k: config.get(k) for k in ("bos_token", "eos_token", "unk_token", "pad_token")}
        special = {k: (v["content"] if isinstance(v, dict) else v) for k, v in special.items() if v is not None}
        cases = []
        for conv in CONVERSATIONS:
            ctx = dict(special)
            ctx.update(conv.get("extra", {}))
            rendered = template.render(
                messages=conv["messages"], add_generation_prompt=conv["add_generation_prompt"], **ctx
            )
            cases.append(dict(conv, rendered=rendered))
        out["models"][name] = cases
    extra_convs = CONVERSATIONS + [
        {"messages": [{"role": "assistant", "content": "I start."}], "add_generation_prompt": False},
        {
            "messages": [
                {"role": "user", "content": "a"},
                {"role": "assistant", "content": "  b  "},
                {"role": "user", "content": "c"},
            ],
            "add_generation_prompt": True,
        },
    ]
    out["templates"] = {}
    for name, spec in EXTRA_TEMPLATES.items():
        template = env.from_string(spec["template"])
        cases = []
        for conv in extra_convs:
            case = {"messages": conv["messages"], "add_generation_prompt": conv["add_generation_prompt"]}
            try:
                case["rendered"] = template.render(
                    messages=conv["messages"], add_generation_prompt=conv["add_generation_prompt"], **spec["special"]
                )
            except jinja2.exceptions.TemplateError as e:
                case["error"] = str(e)
            cases.append(case)
        out["templates"][name] = {"template": spec["template"], "special": spec["special"], "cases": cases}
    with open(os.path.join(OUT, "chat_template_fixtures.json"), "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
    print("wrote chat_template_fixtures.json")


if __name__ == "__main__":
    parts = sys.argv[1:] or ["sentencepiece", "chat"]
    if "sentencepiece" in parts:
        sentencepiece_fixtures()
    if "chat" in parts:
        chat_fixtures()
