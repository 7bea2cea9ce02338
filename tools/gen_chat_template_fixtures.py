#!/usr/bin/env python3
"""Golden fixtures for the sandboxed chat-template interpreter (tokenizers module tests).

Renders with Python Jinja2 configured as transformers configures it for chat templates
(ImmutableSandboxedEnvironment, trim_blocks, lstrip_blocks, loopcontrols, a {% generation %}
tag, raise_exception, strftime_now, and tojson = json.dumps(ensure_ascii=False, indent=...,
separators=..., sort_keys=...)):

  models      every chat_template under ../shared/models, over several conversations
  templates   chat templates of other families, written in the style of their published
              tokenizer_config.json files (the shared folders do not hold them)
  constructs  one small template per Jinja2 construct the interpreter supports

Failures are recorded with Jinja2's exception class; the Java test checks the same class of
failure. Run from the repository root:  python3 tools/gen_chat_template_fixtures.py
"""
import datetime
import json
import os
import sys

import jinja2
from jinja2 import nodes
from jinja2.ext import Extension, loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
SHARED = os.path.join(ROOT, "..", "shared", "models")
OUT = os.path.join(ROOT, "tokenizers", "src", "test", "resources", "tokenizer", "chat_template_fixtures.json")


class Generation(Extension):
    """transformers' {% generation %}...{% endgeneration %} (it only marks assistant text)."""

    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
        return nodes.CallBlock(self.call_method("_render"), [], [], body).set_lineno(lineno)

    def _render(self, caller):
        return caller()


def environment():
    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    def strftime_now(fmt):
        return datetime.datetime.now().strftime(fmt)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[Generation, loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


# Message contents that look like template code must come out unchanged (real CodeAlpaca and
# CoNaLa inputs among them); Unicode whitespace and control characters test trim/strip.
TRICKY = [
    "arr[3][4] = {{1,2,3,4},{5,6,7,8},{9,10,11,12}};",
    "How do I print {{2}} in a Jinja template?",
    "{{ raise_exception('boom') }}",
    "{% raw %}x{% endraw %} and {% if true %}y{% endif %} and {# not a comment #}",
    "\u00a0\u3000 ideographic and no-break spaces \u2009\u202f",
    "\x01control\x7f chars stay\x1f",
    "\x1c\x1d\x1e\x1fseparators are Python whitespace\x85",
]

CONVERSATIONS = [
    {"messages": [{"role": "user", "content": "Hello!"}], "add_generation_prompt": True},
    {"messages": [{"role": "user", "content": "Hello!"}], "add_generation_prompt": False},
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
            {"role": "tool", "content": "{\"temp\": 21.5, \"ok\": true}"},
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
    },
    {
        "messages": [{"role": "user", "content": [{"type": "text", "text": "  list content  "}, {"type": "image"}]}],
        "add_generation_prompt": True,
    },
    {"messages": [{"role": "assistant", "content": "I start."}], "add_generation_prompt": False},
    {
        "messages": [
            {"role": "user", "content": "a"},
            {"role": "assistant", "content": "  b  "},
            {"role": "user", "content": "c"},
        ],
        "add_generation_prompt": True,
    },
] + [
    {
        "messages": [
            {"role": "user", "content": text},
            {"role": "assistant", "content": text},
            {"role": "user", "content": text},
        ],
        "add_generation_prompt": True,
    }
    for text in TRICKY
]

# Templates of other families (the shared model folders do not hold them), in the style of their
# published tokenizer_config.json files.
FAMILY_TEMPLATES = {
    "llama-2-style": {
        "special": {"bos_token": "<s>", "eos_token": "</s>"},
        "template": "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}{% set system_message = messages[0]['content'] %}{% else %}{% set loop_messages = messages %}{% set system_message = false %}{% endif %}{% for message in loop_messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if loop.index0 == 0 and system_message != false %}{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}{% else %}{% set content = message['content'] %}{% endif %}{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}{% endfor %}",
    },
    "tinyllama-zephyr-style": {
        "special": {"bos_token": "<s>", "eos_token": "</s>"},
        "template": "{% for message in messages %}\n{% if message['role'] == 'user' %}\n{{ '<|user|>\n' + message['content'] + eos_token }}\n{% elif message['role'] == 'system' %}\n{{ '<|system|>\n' + message['content'] + eos_token }}\n{% elif message['role'] == 'assistant' %}\n{{ '<|assistant|>\n'  + message['content'] + eos_token }}\n{% endif %}\n{% if loop.last and add_generation_prompt %}\n{{ '<|assistant|>' }}\n{% endif %}\n{% endfor %}",
    },
    "smollm2-style": {
        "special": {"bos_token": "<|im_start|>", "eos_token": "<|im_end|>"},
        "template": "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}",
    },
    "qwen2.5-style": {
        "special": {"eos_token": "<|im_end|>"},
        "template": "{%- if tools %}\n    {{- '<|im_start|>system\\n' }}\n    {%- if messages[0]['role'] == 'system' %}\n        {{- messages[0]['content'] }}\n    {%- else %}\n        {{- 'You are Qwen, created by Alibaba Cloud. You are a helpful assistant.' }}\n    {%- endif %}\n    {{- \"\\n\\n# Tools\\n\\n<tools>\" }}\n    {%- for tool in tools %}\n        {{- \"\\n\" }}\n        {{- tool | tojson }}\n    {%- endfor %}\n    {{- \"\\n</tools><|im_end|>\\n\" }}\n{%- else %}\n    {%- if messages[0]['role'] == 'system' %}\n        {{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}\n    {%- else %}\n        {{- '<|im_start|>system\\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\\n' }}\n    {%- endif %}\n{%- endif %}\n{%- for message in messages %}\n    {%- if (message.role == \"user\") or (message.role == \"system\" and not loop.first) or (message.role == \"assistant\" and not message.tool_calls) %}\n        {{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}\n    {%- elif message.role == \"assistant\" %}\n        {{- '<|im_start|>' + message.role }}\n        {%- if message.content %}\n            {{- '\\n' + message.content }}\n        {%- endif %}\n        {%- for tool_call in message.tool_calls %}\n            {%- if tool_call.function is defined %}\n                {%- set tool_call = tool_call.function %}\n            {%- endif %}\n            {{- '\\n<tool_call>\\n{\"name\": \"' }}\n            {{- tool_call.name }}\n            {{- '\", \"arguments\": ' }}\n            {{- tool_call.arguments | tojson }}\n            {{- '}\\n</tool_call>' }}\n        {%- endfor %}\n        {{- '<|im_end|>\\n' }}\n    {%- elif message.role == \"tool\" %}\n        {%- if (loop.index0 == 0) or (messages[loop.index0 - 1].role != \"tool\") %}\n            {{- '<|im_start|>user' }}\n        {%- endif %}\n        {{- '\\n<tool_response>\\n' }}\n        {{- message.content }}\n        {{- '\\n</tool_response>' }}\n        {%- if loop.last or (messages[loop.index0 + 1].role != \"tool\") %}\n            {{- '<|im_end|>\\n' }}\n        {%- endif %}\n    {%- endif %}\n{%- endfor %}\n{%- if add_generation_prompt %}\n    {{- '<|im_start|>assistant\\n' }}\n{%- endif %}\n",
    },
    "mistral-v0.3-style": {
        "special": {"bos_token": "<s>", "eos_token": "</s>"},
        "template": """{%- if messages[0]["role"] == "system" %}
    {%- set system_message = messages[0]["content"] %}
    {%- set loop_messages = messages[1:] %}
{%- else %}
    {%- set loop_messages = messages %}
{%- endif %}
{%- if not tools is defined %}
    {%- set tools = none %}
{%- endif %}
{%- set user_messages = loop_messages | selectattr("role", "equalto", "user") | list %}

{{- bos_token }}
{%- for message in loop_messages %}
    {%- if message["role"] == "user" %}
        {%- if tools is not none and (message == user_messages[-1]) %}
            {{- "[AVAILABLE_TOOLS] [" }}
            {%- for tool in tools %}
                {%- set tool = tool.function %}
                {{- '{"type": "function", "function": {' }}
                {%- for key, val in tool.items() if key != "return" %}
                    {%- if val is string %}
                        {{- '"' + key + '": "' + val + '"' }}
                    {%- else %}
                        {{- '"' + key + '": ' + val|tojson }}
                    {%- endif %}
                    {%- if not loop.last %}
                        {{- ", " }}
                    {%- endif %}
                {%- endfor %}
                {{- "}}" }}
                {%- if not loop.last %}
                    {{- ", " }}
                {%- else %}
                    {{- "]" }}
                {%- endif %}
            {%- endfor %}
            {{- "[/AVAILABLE_TOOLS]" }}
        {%- endif %}
        {%- if loop.last and system_message is defined %}
            {{- "[INST] " + system_message + "\\n\\n" + message["content"] + "[/INST]" }}
        {%- else %}
            {{- "[INST] " + message["content"] + "[/INST]" }}
        {%- endif %}
    {%- elif message.tool_calls is defined and message.tool_calls is not none %}
        {{- "[TOOL_CALLS] [" }}
        {%- for tool_call in message.tool_calls %}
            {%- set out = tool_call.function|tojson %}
            {{- out[:-1] }}
            {{- ', "id": "' + (tool_call.id or "abcdefghi") + '"}' }}
            {%- if not loop.last %}
                {{- ", " }}
            {%- else %}
                {{- "]" + eos_token }}
            {%- endif %}
        {%- endfor %}
    {%- elif message["role"] == "assistant" %}
        {{- " " + message["content"]|trim + eos_token}}
    {%- elif message["role"] == "tool_results" or message["role"] == "tool" %}
        {%- if message.content is defined and message.content.content is defined %}
            {%- set content = message.content.content %}
        {%- else %}
            {%- set content = message.content %}
        {%- endif %}
        {{- '[TOOL_RESULTS] {"content": ' + content|string + "}[/TOOL_RESULTS]" }}
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
    "deepseek-r1-distill-style": {
        "special": {"bos_token": "<｜begin▁of▁sentence｜>", "eos_token": "<｜end▁of▁sentence｜>"},
        "template": "{% if not add_generation_prompt is defined %}{% set add_generation_prompt = false %}{% endif %}{% set ns = namespace(is_first=false, is_tool=false, is_output_first=true, system_prompt='') %}{%- for message in messages %}{%- if message['role'] == 'system' %}{% set ns.system_prompt = message['content'] %}{%- endif %}{%- endfor %}{{bos_token}}{{ns.system_prompt}}{%- for message in messages %}{%- if message['role'] == 'user' %}{%- set ns.is_tool = false -%}{{'<｜User｜>' + message['content']}}{%- endif %}{%- if message['role'] == 'assistant' and message['content'] is not none %}{% set content = message['content'] %}{% if '</think>' in content %}{% set content = content.split('</think>')[-1] %}{% endif %}{{'<｜Assistant｜>' + content + '<｜end▁of▁sentence｜>'}}{%- endif %}{%- if message['role'] == 'tool' %}{%- set ns.is_tool = true -%}{{'<｜tool▁output▁begin｜>' + message['content'] + '<｜tool▁output▁end｜>'}}{%- endif %}{%- endfor -%}{% if add_generation_prompt and not ns.is_tool %}{{'<｜Assistant｜><think>\\n'}}{% endif %}",
    },
    "llama-3.1-style": {
        "special": {"bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>"},
        "template": "{{- bos_token }}\n{%- if not tools_in_user_message is defined %}\n    {%- set tools_in_user_message = true %}\n{%- endif %}\n{%- if not date_string is defined %}\n    {%- if strftime_now is defined %}\n        {%- set date_string = strftime_now(\"%d %b %Y\") %}\n    {%- else %}\n        {%- set date_string = \"26 Jul 2024\" %}\n    {%- endif %}\n{%- endif %}\n{%- if not tools is defined %}\n    {%- set tools = none %}\n{%- endif %}\n\n{%- if messages[0]['role'] == 'system' %}\n    {%- set system_message = messages[0]['content']|trim %}\n    {%- set messages = messages[1:] %}\n{%- else %}\n    {%- set system_message = \"\" %}\n{%- endif %}\n\n{{- \"<|start_header_id|>system<|end_header_id|>\\n\\n\" }}\n{%- if tools is not none %}\n    {{- \"Environment: ipython\\n\" }}\n{%- endif %}\n{{- \"Cutting Knowledge Date: December 2023\\n\" }}\n{{- \"Today Date: \" + date_string + \"\\n\\n\" }}\n{%- if tools is not none and not tools_in_user_message %}\n    {{- \"You have access to the following functions.\\n\\n\" }}\n    {%- for t in tools %}\n        {{- t | tojson(indent=4) }}\n        {{- \"\\n\\n\" }}\n    {%- endfor %}\n{%- endif %}\n{{- system_message }}\n{{- \"<|eot_id|>\" }}\n\n{%- if tools_in_user_message and not tools is none %}\n    {%- if messages | length != 0 %}\n        {%- set first_user_message = messages[0]['content']|trim %}\n        {%- set messages = messages[1:] %}\n    {%- else %}\n        {{- raise_exception(\"Cannot put tools in the first user message when there's no first user message!\") }}\n{%- endif %}\n    {{- '<|start_header_id|>user<|end_header_id|>\\n\\n' -}}\n    {{- \"Given the following functions, please respond with a JSON for a function call \" }}\n    {{- \"with its proper arguments that best answers the given prompt.\\n\\n\" }}\n    {%- for t in tools %}\n        {{- t | tojson(indent=4) }}\n        {{- \"\\n\\n\" }}\n    {%- endfor %}\n    {{- first_user_message + \"<|eot_id|>\"}}\n{%- endif %}\n\n{%- for message in messages %}\n    {%- if not (message.role == 'ipython' or message.role == 'tool' or 'tool_calls' in message) %}\n        {{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>' }}\n    {%- elif 'tool_calls' in message %}\n        {%- set tool_call = message.tool_calls[0].function %}\n        {{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' -}}\n        {{- '{\"name\": \"' + tool_call.name + '\", ' }}\n        {{- '\"parameters\": ' }}\n        {{- tool_call.arguments | tojson }}\n        {{- \"}\" }}\n        {{- \"<|eot_id|>\" }}\n    {%- elif message.role == \"tool\" or message.role == \"ipython\" %}\n        {{- \"<|start_header_id|>ipython<|end_header_id|>\\n\\n\" }}\n        {%- if message.content is mapping or message.content is iterable %}\n            {{- message.content | tojson }}\n        {%- else %}\n            {{- message.content }}\n        {%- endif %}\n        {{- \"<|eot_id|>\" }}\n    {%- endif %}\n{%- endfor %}\n{%- if add_generation_prompt %}\n    {{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}\n{%- endif %}\n",
        "extra": {"date_string": "26 Jul 2024"},
    },
}

MESSAGES = [
    {"role": "system", "content": "  sys  "},
    {"role": "user", "content": "\u00a0u1\u3000"},
    {"role": "assistant", "content": "a1", "tool_calls": None},
    {"role": "user", "content": "\x01u2\x7f"},
]

# One small template per construct: (name, template, variables). "messages" defaults to MESSAGES.
CONSTRUCTS = [
    ("print-booleans-none", "{{ true }} {{ false }} {{ none }} {{ 1 == 1 }} {{ True }} {{ x }}", {"x": False}),
    ("print-numbers", "{{ 1/2 }} {{ 7//2 }} {{ -7 % 3 }} {{ 7 % -3 }} {{ 2**10 }} {{ 1e20 }} {{ 1e16 }} {{ 1e15 }} {{ 0.1 + 0.2 }} {{ 1.0 }} {{ 10/5 }} {{ 0.0001 }} {{ 0.00001 }} {{ -2.5e-7 }} {{ 3 - 5 }} {{ -x }} {{ 2 * 3.5 }} {{ 7.5 // 2 }} {{ -7.5 % 2 }}", {"x": 4}),
    ("print-repr", "{{ [1, 'a', none, true, 1.5] }} {{ {'k': 'v', 'n': [1]} }} {{ (1,) }} {{ ('a', \"it's\") }} {{ ['tab\\there', 'q\"'] }} {{ [] }} {{ {} }} {{ ['é', '\\x01'] }}", {}),
    ("not-is-defined", "{{ not x is defined }} {{ not add_generation_prompt is defined }}|{% if not foo is defined %}F{% endif %}|{{ not 1 == 2 }} {{ not x is none }}", {"add_generation_prompt": True}),
    ("undefined-prints-empty", "[{{ foo }}][{{ foo ~ 'x' }}][{{ foo | default('d') }}][{{ foo is none }}][{{ foo | length }}][{% for x in foo %}{{ x }}{% endfor %}][{{ foo | trim }}][{{ messages[0].nothing is defined }}][{{ messages[0].nothing }}][{{ messages[10] is defined }}]", {}),
    ("undefined-plus-raises", "{{ 'a' + foo }}", {}),
    ("undefined-attribute-raises", "{{ foo.bar }}", {}),
    ("undefined-call-raises", "{{ 'ab'.repeat(3) }}", {}),
    ("trim-python-whitespace", "{% for m in messages %}[{{ m.content | trim }}][{{ m.content.strip() }}][{{ m.content.lstrip() }}][{{ m.content.rstrip() }}]{% endfor %}", {"messages": [{"role": "user", "content": c} for c in TRICKY + ["  x  ", "\t\nx\r\n"]]}),
    ("loop-filter", "{% for m in messages if m.role != 'system' %}{{ loop.index }}/{{ loop.length }}:{{ m.role }}{% if loop.first %}F{% endif %}{% if loop.last %}L{% endif %} {% endfor %}", {}),
    ("loop-variables", "{% for m in messages %}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}{{ loop.cycle('a', 'b') }}[{{ loop.previtem.role if loop.previtem is defined }}][{{ loop.nextitem.role if loop.nextitem is defined else 'end' }}] {% else %}none{% endfor %}{% for x in [] %}x{% else %}empty{% endfor %}", {}),
    ("tojson", "{{ x | tojson }}|{{ x | tojson(indent=2) }}|{{ x | tojson(indent=4, sort_keys=true) }}|{{ 'é\"\\n\\x01/' | tojson }}|{{ [1, [], {}] | tojson(indent=2) }}|{{ x | tojson(separators=(',', ':')) }}|{{ true | tojson }}{{ none | tojson }}{{ 1.0 | tojson }}{{ 1e20 | tojson }}", {"x": {"b": [1, 2.5, True, None, "ü"], "a": {"nested": "x", "f": 0.1}, "e": []}}),
    ("namespace", "{% set ns = namespace(n=0, last=messages|length - 1, found=false) %}{% for m in messages %}{% set ns.n = ns.n + 1 %}{% if m.role == 'assistant' %}{% set ns.found = loop.index0 %}{% endif %}{% endfor %}{{ ns.n }} {{ ns.last }} {{ ns.found }}", {}),
    ("scoping", "{% set x = 1 %}{% for i in range(3) %}{{ x }}{% set x = x + i %}{{ x }};{% endfor %}{{ x }}|{% for i in range(3) %}{% if i == 0 %}{% set y = 'a' %}{% endif %}[{{ y }}]{% endfor %}|{% if true %}{% set z = 5 %}{% endif %}{{ z }}", {}),
    ("filters-text", "{{ 'hello wORLD-foo bar' | title }}|{{ 'hELLO' | capitalize }}|{{ 'AbC' | lower }}{{ 'AbC' | upper }}|{{ 'a-b-c' | replace('-', '+') }}|{{ 'a-b-c' | replace('-', '', 1) }}|{{ 'ab' | replace('', '.') }}|{{ 123 | string }}{{ true | string }}|{{ '42' | int + 1 }}|{{ '4.5' | float }}|{{ 'x' | int }}|{{ 3.9 | int }}|{{ -3 | abs }}|{{ 2.675 | round(2) }}|{{ 2.5 | round }}|{{ 'line1\\nline2\\n\\nline4' | indent(2) }}|{{ 'a\\nb' | indent(2, first=true) }}|{{ 'x' | indent('> ') }}", {}),
    ("filters-sequences", "{{ messages | length }} {{ (messages | first).role }} {{ (messages | last).role }} {{ messages | map(attribute='role') | join(',') }} {{ messages | selectattr('role', 'equalto', 'user') | list | length }} {{ messages | rejectattr('role', 'eq', 'user') | map(attribute='role') | list }} {{ [3, 1, 2] | sort }} {{ ['b', 'A', 'c'] | sort(reverse=true) }} {{ [1, 2, 1, 3] | unique | list }} {{ [1, 2, 3] | sum }} {{ [4, 2, 8] | min }} {{ [4, 2, 8] | max }} {{ 'abc' | list }} {{ 'abc' | reverse }} {{ [1, 2] | reverse | list }} {{ [1, 2, 3] | join }} {{ {'b': 1, 'a': 2} | dictsort }} {{ {'k': 1} | items | list }} {{ '' | default('empty', true) }} {{ [0, 1, '', 'x', none] | select | list }} {{ [1, 2, 3, 4] | reject('odd') | list }} {{ ['a', 'B'] | map('upper') | list }} {{ messages | map(attribute='missing', default='-') | join }} {{ [] | first is defined }}", {}),
    ("string-methods", "{{ '  a b  '.strip() }}|{{ 'xxaxx'.strip('x') }}|{{ 'xxa'.lstrip('x') }}|{{ 'axx'.rstrip('x') }}|{{ 'a,b,,c'.split(',') }}|{{ ' a  b \\t c '.split() }}|{{ 'a b c'.split(' ', 1) }}|{{ ' a b c '.split(none, 1) }}|{{ 'a,b,c'.rsplit(',', 1) }}|{{ 'abc'.startswith('ab') }}{{ 'abc'.startswith(('x', 'a')) }}{{ 'abc'.endswith('bc') }}|{{ 'aaa'.replace('a', 'b', 2) }}|{{ 'ß'.upper() }}|{{ 'hello world'.title() }}|{{ 'hELLO'.capitalize() }}|{{ 'abcabc'.find('c') }}{{ 'abc'.find('z') }}{{ 'abcabc'.count('bc') }}|{{ 'a\\nb\\r\\nc\\n'.splitlines() }}|{{ '-'.join(['x', 'y']) }}|{{ '12'.isdigit() }}{{ 'ab'.isalpha() }}{{ ' '.isspace() }}", {}),
    ("slicing", "{{ messages[1:] | length }} {{ 'abcdef'[::-1] }} {{ 'abcdef'[1:4] }} {{ [1, 2, 3, 4][-2:] }} {{ 'abcdef'[::2] }} {{ 'héllo😀x'[-2:] }} {{ [1, 2, 3][5:] }} {{ 'abc'[-1] }} {{ [1, 2, 3][:-1] }} {{ 'abcdef'[4:1:-1] }} {{ (messages | reverse | list)[0].role }} {{ messages[::-1][0].content }}", {}),
    ("operators", "{{ 'a' in 'cat' }} {{ 1 in [1, 2] }} {{ 'k' in {'k': 1} }} {{ 3 not in [1] }} {{ 1 < 2 < 3 }} {{ 3 > 2 > 2 }} {{ 'b' > 'a' }} {{ 1 ~ 2 ~ none ~ true }} {{ 'ab' * 3 }} {{ [0] * 3 }} {{ [1] + [2] }} {{ 1 == 1.0 }} {{ true == 1 }} {{ 'a' + 'b' | upper }} {{ 2 + 3 * 4 ** 2 }} {{ -2 ** 2 }} {{ (1, 2) == [1, 2] }} {{ 1 and 'x' }} {{ 0 or 'y' }} {{ none or [] }}", {}),
    ("conditional-expression", "{{ 'y' if true else 'n' }}[{{ 'y' if false }}]{{ 'a' if 0 else 'b' if 1 else 'c' }}", {}),
    ("whitespace-control", "a  {%- if true -%}  b  {%- endif -%}  c\n  {% if true %}\n    d\n  {% endif %}\n{{- ' e ' -}}\n{# comment #}\nf {%+ if true %}g{% endif +%}\nh\n    {# indented comment #}\ni  {{ 'v' }}  \n  {{ 'w' }}\n", {}),
    ("raw-block", "{% raw %}{{ not evaluated }} {% if %}{% endraw %}|  {% raw -%}  x  {%- endraw %}|\n  {% raw %}y{% endraw %}\nz", {}),
    ("macros", "{% macro greet(name, punct='!') %}Hi {{ name }}{{ punct }}{% endmacro %}{{ greet('a') }}{{ greet('b', punct='?') }}{{ greet(name='c') }}{% macro outer(x) %}<{{ greet(x) }}>{% endmacro %}{{ outer('d') }}{% set v = 3 %}{% macro sees() %}{{ v }}{% endmacro %}{{ sees() }}", {}),
    ("break-continue", "{% for i in range(10) %}{% if i == 1 %}{% continue %}{% endif %}{% if i == 4 %}{% break %}{% endif %}{{ i }}{% endfor %}", {}),
    ("set-block", "{% set x %}  inner {{ 1 }}  {% endset %}[{{ x }}]{% set y | trim | upper %}  up  {% endset %}[{{ y }}]{% set a, b = 1, 2 %}{{ a }}{{ b }}{% set t = 1, 2 %}{{ t }}", {}),
    ("string-escapes", "{{ \"tab\\there\\\\n\" }}|{{ 'a\\'b' }}|{{ \"\\u00e9\\x41\\q\" }}|{{ 'multi' 'part' }}", {}),
    ("tests", "{{ 'a' is string }}{{ {} is mapping }}{{ [] is iterable }}{{ 'a' is iterable }}{{ [] is sequence }}{{ 1 is number }}{{ 1 is integer }}{{ 1.0 is float }}{{ true is boolean }}{{ none is none }}{{ true is true }}{{ false is false }}{{ 6 is divisibleby 3 }}{{ 2 is even }}{{ 3 is odd }}{{ 1 is eq 1 }}{{ 1 is in [1] }}{{ 'ab' is lower }}{{ 'AB' is upper }}{{ true is number }}{{ true is integer }}{{ 1 is not string }}{{ x is sameas false }}{{ 2 is gt 1 }}{{ 2 is le 1 }}", {"x": False}),
    ("dict-methods", "{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}{{ d.get('a') }}{{ d.get('zz', 'dflt') }}{{ d.get('zz') }}{{ d.keys() | list }}{{ d.values() | list }}{{ d['a'] }}{{ d.a }}{{ d | length }}", {"d": {"a": 1, "b": [True]}}),
    ("raise-exception", "{% if messages | length > 1 %}{{ raise_exception('Custom: ' ~ messages | length) }}{% endif %}", {}),
    ("content-is-data", "{% for m in messages %}<{{ m.content }}>{{ m.content | length }}{% endfor %}", {"messages": [{"role": "user", "content": c} for c in TRICKY]}),
    ("truthiness", "{% for v in [[], {}, '', 0, 0.0, none, [0], 'x', 1, -0.0] %}{{ 'T' if v else 'F' }}{% endfor %}", {}),
    ("unicode-length", "{{ 'héllo😀' | length }} {{ '👨\u200d👩' | length }} {{ 'ǅ' | lower }}", {}),
    ("range", "{{ range(3) | list }} {% for i in range(1, 10, 3) %}{{ i }}{% endfor %} {% for i in range(5, 0, -2) %}{{ i }}{% endfor %} {{ range(0) | list }}", {}),
    ("generation-tag", "{% for m in messages %}{% if m.role == 'assistant' %}{% generation %}[{{ m.content }}]{% endgeneration %}{% else %}{{ m.content }}{% endif %}{% endfor %}", {}),
    ("loop-index-neighbours", "{% for m in messages %}{% if loop.first or messages[loop.index0 - 1].role != m.role %}+{% endif %}{{ m.role[0] }}{% if not loop.last and messages[loop.index0 + 1].role == 'user' %}>{% endif %}{% endfor %}", {}),
    ("compare-type-error", "{{ 1 < 'a' }}", {}),
    ("concat-type-error", "{{ 'a' + 1 }}", {}),
    ("syntax-error", "{% if x %}unclosed", {}),
    ("unknown-filter", "{{ x | no_such_filter }}", {}),
    # Jinja2 fails here only for want of a loader; the sandbox rejects the tag outright.
    ("include-forbidden", "{% include 'other.jinja' %}", {}, "FORBIDDEN"),
    ("import-forbidden", "{% from 'x' import y %}", {}, "FORBIDDEN"),
    ("list-mutation-forbidden", "{% set l = [1] %}{{ l.append(2) }}", {}),
    ("none-attribute", "[{{ messages[2].tool_calls.x is defined }}][{{ none.x is defined }}]", {}),
    ("dict-literal-in-output", "{{ {'a': {'b': 1}}['a']['b'] }}{{ {'a': 1} }}", {}),
    ("range-and-int-bases", "{{ range(3) }} {{ range(1, 9, 2) }} {{ '0x1A' | int(0, 16) }} {{ '0b101' | int(0, 0) }} {{ '-12' | int }} {{ '3.7' | int }} {{ 'abc' | float(1.5) }}", {}),
    ("nested-loops-and-macro-scope", "{% for i in range(3) %}{% for j in range(2) %}{{ loop.index }}{% endfor %}{{ loop.index }};{% endfor %}{% set a = 'x' %}{% macro f() %}{{ a }}{% set a = 'y' %}{{ a }}{% endmacro %}{{ f() }}{{ a }}", {}),
    ("more-filters", "{{ [1, 2, 3] | map('string') | join('-') }}|{{ [{'a': 1}, {'a': 2}] | map(attribute='a') | sum }}|{{ none | default('x') }}|{{ none | default('x', true) }}|{{ x | trim('xy') }}|{{ ms | selectattr('a', 'defined') | list | length }}|{{ d | list }}|{{ d | string }}", {"x": "xy\u00a0a\u2007b\u200bxy", "ms": [{"a": 0}, {"a": 1}, {}], "d": {"a": 1, "b": 2}}),
    ("more-numbers", "{{ 2.0 ** 3 }} {{ 10 / 3 }} {{ 1e300 * 1e10 }} {{ -0.0 }} {{ 3 // 0.5 }} {{ 7.0 // 2 }} {{ 2 ** -1 }} {{ -7 // 2 }} {{ x }} {{ y }} {{ 3 in [1, 2, 3.0] }} {{ true in [1] }}", {"x": 1.25, "y": 100000000000000000.0}),
]


def error_record(e):
    kind = {
        "UndefinedError": "UNDEFINED",
        "TemplateSyntaxError": "SYNTAX",
        "TemplateAssertionError": "SYNTAX",
        "TemplateError": "RAISED",
        "SecurityError": "FORBIDDEN",
        "TypeError": "TYPE",
    }.get(type(e).__name__)
    if kind is None:
        raise e
    return {"error_kind": kind, "error": str(e)}


def render(env, source, variables):
    try:
        return {"rendered": env.from_string(source).render(**variables)}
    except (jinja2.exceptions.TemplateError, TypeError) as e:
        return error_record(e)


def conversation_cases(env, template, special, extra=None):
    cases = []
    for conv in CONVERSATIONS:
        ctx = dict(special)
        ctx.update(extra or {})
        ctx.update(conv.get("extra", {}))
        ctx["messages"] = conv["messages"]
        ctx["add_generation_prompt"] = conv["add_generation_prompt"]
        case = {"messages": conv["messages"], "add_generation_prompt": conv["add_generation_prompt"]}
        if "extra" in conv or extra:
            case["extra"] = dict(extra or {}, **conv.get("extra", {}))
        case.update(render(env, template, ctx))
        cases.append(case)
    return cases


def main():
    env = environment()
    out = {"jinja2_version": jinja2.__version__, "models": {}, "templates": {}, "constructs": []}
    for name in sorted(os.listdir(SHARED)):
        path = os.path.join(SHARED, name, "tokenizer_config.json")
        if not os.path.isfile(path):
            continue
        with open(path, encoding="utf-8") as f:
            config = json.load(f)
        if not isinstance(config.get("chat_template"), str):
            continue
        special = {k: config.get(k) for k in ("bos_token", "eos_token", "unk_token", "pad_token")}
        special = {k: (v["content"] if isinstance(v, dict) else v) for k, v in special.items() if v is not None}
        out["models"][name] = conversation_cases(env, config["chat_template"], special)
    for name, spec in FAMILY_TEMPLATES.items():
        out["templates"][name] = {
            "template": spec["template"],
            "special": spec["special"],
            "cases": conversation_cases(env, spec["template"], spec["special"], spec.get("extra")),
        }
    for name, template, variables, *kind in CONSTRUCTS:
        variables = dict(variables)
        variables.setdefault("messages", MESSAGES)
        case = {"name": name, "template": template, "variables": variables}
        case.update(render(env, template, variables))
        if kind:
            case["error_kind"] = kind[0]
        out["constructs"].append(case)
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
    print("wrote", os.path.relpath(OUT, ROOT), "models:", list(out["models"]), file=sys.stderr)


if __name__ == "__main__":
    main()
