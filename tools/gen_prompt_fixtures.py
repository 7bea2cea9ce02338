#!/usr/bin/env python3
"""Golden fixtures for the `peft-factory` prompt protocol.

An independent re-implementation, in plain Python, of how the paper's reference harness
(PEFT-Factory, a LLaMA-Factory fork) turns a benchmark row into a chat turn:

1. the per-task preprocessing of `scripts/peftbench/preprocess_datasets.py` (the rows it pushed to
   the hub as `kinit/peft-factory`), re-written here from its documented behaviour;
2. the column mapping of `data/dataset_info.json` (instruction text, prompt / query / response
   columns, one entry for training and one `_eval` / `_test` entry for evaluation);
3. the alpaca converter (`src/llamafactory/data/converter.py`): the instruction, the prompt column
   and the query column, each only when non-empty, joined by one newline into one user message; a
   ClassLabel response becomes its class name, a float response `str(float)`;
4. the chat templates of `src/llamafactory/data/template.py` that the benchmark's yamls name
   (`llama3` for the Llama 3 models, `gemma`, `mistral`, `qwen3` with enable_thinking: false): BOS,
   the user turn and the assistant header, no system prompt; the response with the template's
   end-of-turn text. Unlike the models' own Jinja chat templates, they do not trim the message.

It reads two real rows per task from ../shared/datasets (HF schema JSONL) and writes
datasets/src/test/resources/org/peftbench/datasets/prompts/peft_factory_prompts.json, which
PeftFactoryPromptsTest compares byte for byte with the Java tasks.

Usage: python3 tools/gen_prompt_fixtures.py [--shared ../shared]
"""

import argparse
import json
import os
import re

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
RESOURCES = os.path.join(
    HERE, "..", "datasets", "src", "test", "resources", "org", "peftbench", "datasets", "prompts"
)

# --- dataset_info.json: instruction text per task (training entry; the _eval / _test entry has
# the same text except for the tasks in EVAL_INSTRUCTIONS; WinoGrande's training entry is empty).
INSTRUCTIONS = {
    "mnli": "Classify the following premise and hypothesis pair into entailment, neutral, and"
    " contradiction classes. Respond only with the corresponding class.",
    "qqp": "Classify the following question pair into duplicate and not_duplicate classes."
    " Respond only with the corresponding class.",
    "qnli": "Classify the following question and sentence pair into entailment and not_entailment"
    " classes. Respond only with the corresponding class.",
    "sst2": "Classify the following sentence into negative and positive classes. Respond only with"
    " the corresponding class.",
    "stsb": "Assign a similarity score from 0 to 5 to the following sentence pair. Respond only with"
    " the corresponding score.",
    "mrpc": "Classify the following sentence pair into not_equivalent and equivalent classes."
    " Respond only with the corresponding class.",
    "rte": "Classify the following sentence pair into entailment and not_entailment classes."
    " Respond only with the corresponding class.",
    "cola": "Classify the following sentence into unacceptable and acceptable classes. Respond only"
    " with the corresponding class.",
    "record": "Based on the following query, entities, and passage, replace the @placeholder in the"
    " query. Respond only with the correct replacement.",
    "multirc": "Based on the following paragraph, question, and answer, determine whether the answer"
    " answers the question. Respond only with the corresponding true or false.",
    "boolq": "Based on the passage, respond to the following question with true or false. Respond"
    " only with the corresponding true or false.",
    "wic": "Based on the context from the following sentence pair, classify the word into true or"
    " false classes, based on its meaning in both of the sentences. Respond only with the"
    " corresponding true or false.",
    "wsc": "Based on the following sentence, determine whether the pronoun marked with * * is"
    " referencing the noun marked with # #. Respond only with the corresponding true or false.",
    "cb": "Classify the following premise and hypothesis pair into entailment, contradiction, and"
    " neutral classes. Respond only with the corresponding class.",
    "copa": "Based on the following premise and choice pair, select the plausible alternative from"
    " choice pair. Respond only with the corresponding choice1 or choice2.",
    "mmlu": "Based on the question and provided choices, select the right answer. Respond only with"
    " the corresponding choices A, B, C, and D.",
    "piqa": "Based on the question and provided solutions, select the right solution. Respond only"
    " with the corresponding solution1 or solution2.",
    "siqa": "Based on the context, question and provided choices, select the right answer. Respond"
    " only with the corresponding choices A, B, and C.",
    "hellaswag": "Based on the sentence and provided endings, select the correct ending that"
    " finishes the sentence correctly. Respond only with the corresponding ending1, ending2,"
    " ending3, and ending4.",
    "openbookqa": "Based on the question and provided choices, select the right answer. Respond"
    " only with the corresponding choices A, B, C, and D.",
    "mathqa": "Based on the problem and provided options, select the right answer. Respond only"
    " with the corresponding choices a, b, c, d, and e.",
    "gsm8k": "Answer following math question. The answer is always numerical. Mark your final"
    " answer with a newline starting with '####'.",
    "svamp": "Answer following math question. The answer is always numerical. Respond only with a"
    " single equation with parentheses (e.g., (1 + 1) = 2).",
    "conala": "Based on the following instruction, generate a valid Python code that answers it.",
    "codealpaca": "Based on the following instruction, generate a valid Python code that answers"
    " it.",
    "apps": "Based on the following instruction, generate a valid Python code that answers it.",
}


# The _eval entries whose instruction differs from the training entry's.
EVAL_INSTRUCTIONS = {
    "copa": "Based on the following premise and choice pair, select the plausible alternative from"
    " the choice pair. Respond only with the corresponding choice1 or choice2.",
    "siqa": "Based on the context, question and provided choices, select the right answer. Respond"
    " only with the corresponding choices A, B and C.",
    "winogrande": "Based on the sentence and provided options, select the best option that replaces"
    " the '_' character in the sentence. Respond only with the corresponding option1 or option2.",
}


def instruction(task, role):
    if role == "eval" and task in EVAL_INSTRUCTIONS:
        return EVAL_INSTRUCTIONS[task]
    if task == "winogrande":
        return ""  # the training entry of dataset_info.json has "instruction": ""
    return INSTRUCTIONS[task]


# --- HF ClassLabel names of the tasks whose response column is the raw label.
CLASS_NAMES = {
    "mnli": ["entailment", "neutral", "contradiction"],
    "qqp": ["not_duplicate", "duplicate"],
    "qnli": ["entailment", "not_entailment"],
    "sst2": ["negative", "positive"],
    "mrpc": ["not_equivalent", "equivalent"],
    "rte": ["entailment", "not_entailment"],
    "cola": ["unacceptable", "acceptable"],
    "boolq": ["False", "True"],
    "cb": ["entailment", "contradiction", "neutral"],
}

# --- columns used directly (no preprocessing): (prompt column, query column or None, response).
DIRECT_COLUMNS = {
    "mnli": ("premise", "hypothesis", "label"),
    "qqp": ("question1", "question2", "label"),
    "qnli": ("question", "sentence", "label"),
    "sst2": ("sentence", None, "label"),
    "stsb": ("sentence1", "sentence2", "label"),
    "mrpc": ("sentence1", "sentence2", "label"),
    "rte": ("sentence1", "sentence2", "label"),
    "cola": ("sentence", None, "label"),
    "boolq": ("question", "passage", "label"),
    "cb": ("premise", "hypothesis", "label"),
    "gsm8k": ("question", None, "answer"),
    "conala": ("rewritten_intent", None, "snippet"),
}


def true_false(label):
    return {0: "False", 1: "True", -1: ""}[label]


def mark_span(text, span, word_index, mark):
    """T5's WSC marking: the span that starts after `word_index` whitespace-separated words is
    surrounded by `mark`. The span text is used as a regular expression, unescaped, as the
    reference does."""
    pattern = r"^((?:\S+\s){" + str(word_index) + r"})(" + span + r")"
    return re.sub(pattern, r"\g<1>" + mark + r" \g<2> " + mark, text)


def record_passage(passage):
    # a highlight after a sentence end joins with a space, any other one with ". "
    passage = re.sub(r"([.?!\"'])\n@highlight\n", r"\1 ", passage)
    return re.sub(r"\n@highlight\n", ". ", passage)


def preprocessed(task, row):
    """The kinit/peft-factory row(s) for a raw HF row: a list of (inputs, targets)."""
    if task == "wsc":
        text = mark_span(row["text"], row["span1_text"], row["span1_index"], "*")
        shift = 2 if row["span1_index"] < row["span2_index"] else 0
        text = mark_span(text, row["span2_text"], row["span2_index"] + shift, "#")
        return [(text, true_false(row["label"]))]
    if task == "wic":
        inputs = "Sentence1: %s\n\nSentence2: %s\n\nWord: %s" % (
            row["sentence1"],
            row["sentence2"],
            row["word"],
        )
        return [(inputs, true_false(row["label"]))]
    if task == "multirc":
        inputs = "Paragraph: %s\n\nQuestion: %s\n\nAnswer: %s" % (
            row["paragraph"],
            row["question"],
            row["answer"],
        )
        return [(inputs, true_false(row["label"]))]
    if task == "copa":
        inputs = "Premise: %s\n\nChoice1: %s\n\nChoice2: %s" % (
            row["premise"],
            row["choice1"],
            row["choice2"],
        )
        return [(inputs, {0: "choice1", 1: "choice2", -1: ""}[row["label"]])]
    if task == "record":
        inputs = "Query: %s\n\nEntities: %s\n\nPassage: %s" % (
            row["query"],
            ", ".join(row["entities"]),
            record_passage(row["passage"]),
        )
        answers = row["answers"] or ["<unk>"]
        return [(inputs, a) for a in answers]
    if task == "mmlu":
        c = row["choices"]
        inputs = "Question: %s\n\nChoices:\nA: %s\nB: %s\nC: %s\nD: %s" % (
            row["question"],
            c[0],
            c[1],
            c[2],
            c[3],
        )
        return [(inputs, {0: "A", 1: "B", 2: "C", 3: "D", -1: ""}[row["answer"]])]
    if task == "piqa":
        inputs = "Question: %s\n\nSolution1: %s\nSolution2: %s" % (row["goal"], row["sol1"], row["sol2"])
        return [(inputs, {0: "solution1", 1: "solution2", -1: ""}[row["label"]])]
    if task == "siqa":
        inputs = "Context: %s\n\nQuestion: %s\n\nChoices:\nA: %s\nB: %s\nC: %s" % (
            row["context"],
            row["question"],
            row["answerA"],
            row["answerB"],
            row["answerC"],
        )
        return [(inputs, {"1": "A", "2": "B", "3": "C", "": ""}[row["label"]])]
    if task == "hellaswag":
        e = row["endings"]
        # str.capitalize: first character upper case, all the others lower case
        ctx_b = row["ctx_b"][:1].upper() + row["ctx_b"][1:].lower()
        inputs = "Sentence: %s %s,\n\nEnding1: %s\nEnding2: %s\nEnding3: %s\nEnding4: %s" % (
            row["ctx_a"],
            ctx_b,
            e[0],
            e[1],
            e[2],
            e[3],
        )
        label = row["label"]
        return [(inputs, "ending%d" % (int(label) + 1) if label != "" else "")]
    if task == "winogrande":
        # the reference labels both options "Option1:"
        inputs = "Sentence: %s\n\nOption1: %s\nOption1: %s" % (
            row["sentence"],
            row["option1"],
            row["option2"],
        )
        return [(inputs, {"1": "option1", "2": "option2", "": ""}[row["answer"]])]
    if task == "openbookqa":
        t = row["choices"]["text"]
        inputs = "Question: %s\n\nChoices:\nA: %s\nB: %s\nC: %s\nD: %s" % (
            row["question_stem"],
            t[0],
            t[1],
            t[2],
            t[3],
        )
        return [(inputs, row["answerKey"])]
    if task == "mathqa":
        return [("Problem: %s\n\nOptions: %s" % (row["Problem"], row["options"]), row["correct"])]
    if task == "svamp":
        # ChilleD/SVAMP stores Answer as float64: str() writes 51.0
        return [("Question: %s" % row["question_concat"], "%s = %r" % (row["Equation"], float(row["Answer"])))]
    raise KeyError(task)


def user_message(instr, prompt, query):
    """The alpaca converter: instruction, prompt and query, the empty ones left out."""
    return "\n".join(part for part in (instr, prompt, query) if part)


def response_text(task, value):
    if task in CLASS_NAMES:
        if isinstance(value, bool):  # BoolQ copies store the label as a JSON boolean
            value = int(value)
        return CLASS_NAMES[task][value]
    if task == "stsb":
        # GLUE stores the score as float32; the converter writes str() of the widened value
        return repr(float(np.float32(value)))
    return value


def convert(task, row, role):
    """All (user message, response) pairs the reference builds from one raw row."""
    instr = instruction(task, role)
    if task in DIRECT_COLUMNS:
        p, q, r = DIRECT_COLUMNS[task]
        return [(user_message(instr, row[p], row[q] if q else None), response_text(task, row[r]))]
    return [(user_message(instr, inputs, None), target) for inputs, target in preprocessed(task, row)]


def llama3(user, response):
    """LLaMA-Factory's llama3 template, first turn, no system prompt."""
    prompt = (
        "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\n"
        + user
        + "<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"
    )
    return prompt, response + "<|eot_id|>"


def gemma(user, response):
    """LLaMA-Factory's gemma template (Gemma 3 1B it): BOS, user turn, model header."""
    prompt = "<bos><start_of_turn>user\n" + user + "<end_of_turn>\n<start_of_turn>model\n"
    return prompt, response + "<end_of_turn>\n"


def mistral(user, response):
    """LLaMA-Factory's mistral template (v0.3): the answer after a space, then EOS."""
    return "<s>[INST] " + user + "[/INST]", " " + response + "</s>"


def qwen3(user, response):
    """LLaMA-Factory's qwen3 template with enable_thinking: false (the benchmark's yamls): no
    BOS; the empty thought block is appended to the prompt, outside the loss."""
    prompt = "<|im_start|>user\n" + user + "<|im_end|>\n<|im_start|>assistant\n"
    return prompt + "<think>\n" + "\n</think>\n\n", response + "<|im_end|>\n"


TEMPLATES = {"llama3": llama3, "gemma": gemma, "mistral": mistral, "qwen3": qwen3}
# Cases rendered with every template (the others with llama3 only, to keep the fixture small).
ALL_TEMPLATE_CASES = {("sst2", 0, "train"), ("wsc", 0, "train"), ("winogrande", 0, "train")}


# Which rows: (task, file under shared/datasets/<task>/ or "resource:<name>", lines, role).
# role "train": the row is read through the training entry of dataset_info.json, "eval": through
# the _eval / _test entry (only WinoGrande's instruction depends on it).
CASES = [
    ("mnli", "validation_matched.jsonl", [0, 1], "eval"),
    ("qnli", "validation.jsonl", [0, 1], "eval"),
    ("sst2", "train.jsonl", [0, 1], "train"),
    ("stsb", "train.jsonl", [0, 1], "train"),
    ("mrpc", "train.jsonl", [0, 1], "train"),
    ("rte", "train.jsonl", [0, 1], "train"),
    ("cola", "train.jsonl", [0, 1], "train"),
    ("multirc", "train.jsonl", [0, 1], "train"),
    ("record", "fewglue32_train.jsonl", None, "train"),  # lines chosen below
    ("boolq", "fewglue32_train.jsonl", [0, 1], "train"),
    ("wic", "train.jsonl", [0, 1], "train"),
    ("wsc", "train.jsonl", [0, 1], "train"),
    ("cb", "train.jsonl", [0, 1], "train"),
    ("copa", "train.jsonl", [0, 1], "train"),
    ("copa", "validation.jsonl", [0, 1], "eval"),
    ("mmlu", "validation.jsonl", [0, 1], "eval"),
    ("piqa", "validation.jsonl", [0, 1], "eval"),
    ("siqa", "train.jsonl", [0, 1], "train"),
    ("siqa", "validation.jsonl", [0, 1], "eval"),
    ("hellaswag", "resource:hellaswag_val_head.jsonl", [0, 1], "eval"),
    ("winogrande", "validation.jsonl", [0, 1], "eval"),
    ("winogrande", "validation.jsonl", [0, 1], "train"),
    ("openbookqa", "train.jsonl", [0, 1], "train"),
    ("mathqa", "test_subset1000.jsonl", [0, 1], "eval"),
    ("gsm8k", "train.jsonl", [0, 1], "train"),
    ("svamp", "full.jsonl", [0, 1], "train"),
    ("conala", "train.jsonl", None, "train"),  # lines chosen below
]


def read_lines(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=os.path.join(HERE, "..", "..", "shared"))
    args = ap.parse_args()
    out = []
    for task, file, lines, role in CASES:
        if file.startswith("resource:"):
            rows = read_lines(os.path.join(RESOURCES, file[len("resource:"):]))
        else:
            rows = read_lines(os.path.join(args.shared, "datasets", task, file))
        if task == "record":
            # the first row with one answer and the first with several (one row per answer)
            single = next(i for i, r in enumerate(rows) if len(r["answers"]) == 1)
            multi = next(i for i, r in enumerate(rows) if len(r["answers"]) > 1)
            lines = [single, multi]
        if task == "conala":
            # the first row, and the first whose rewritten_intent is null (prompt column left out)
            nulls = [i for i, r in enumerate(rows) if r["rewritten_intent"] is None]
            lines = [0] + nulls[:1] if nulls else [0, 1]
        for line in lines:
            examples = []
            for user, target in convert(task, rows[line], role):
                example = {"user": user, "target": target}
                names = TEMPLATES if (task, line, role) in ALL_TEMPLATE_CASES else ["llama3"]
                for name in names:
                    prompt, response = TEMPLATES[name](user, target)
                    example[name + "_prompt"] = prompt
                    example[name + "_response"] = response
                examples.append(example)
            out.append({"task": task, "file": file, "line": line, "role": role, "examples": examples})
    path = os.path.join(RESOURCES, "peft_factory_prompts.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(
            {
                "generator": "tools/gen_prompt_fixtures.py",
                "templates": "LLaMA-Factory's llama3, gemma, mistral, qwen3 (no system prompt);"
                " <name>_prompt / <name>_response",
                "cases": out,
            },
            f,
            ensure_ascii=True,
            indent=1,
        )
        f.write("\n")
    print("wrote %d cases to %s" % (len(out), os.path.relpath(path)))


if __name__ == "__main__":
    main()
