#!/usr/bin/python3
"""Golden values for the datasets module's metrics, from independent implementations.

Run with Debian's python3 (python3-sklearn, python3-scipy, python3-nltk):

    /usr/bin/python3 tools/gen_metric_fixtures.py

Writes datasets/src/test/resources/org/peftbench/datasets/metrics/metric_fixtures.json: a list of
cases {task, predictions, labels (list of gold answers per example), expected {metric: value}}.
The Java test scores the same predictions through Task.score and compares.

Where the value comes from:
- classification: sklearn f1_score / accuracy_score / matthews_corrcoef on PEFT-Factory's
  encoding (lower-cased, stripped; an answer outside the label set replaced by a wrong label
  with binary_reverse).
- stsb: scipy.stats pearsonr / spearmanr (non-numbers -> -1.0 as in PEFT-Factory).
- record: the SQuAD v1.1 evaluation formulas (normalize_answer, token F1, EM, max over golds),
  written out here.
- gsm8k / svamp: PEFT-Factory's procedures, using Python's own float() and ast.
- code: nltk corpus_bleu with SmoothingFunction().method1 (BLEU), and the CodeBLEU weighted
  n-gram match written out here after the reference implementation.
"""
import ast
import json
import math
import operator
import random
import re
import string
from collections import Counter
from pathlib import Path

import numpy as np
from nltk.translate.bleu_score import SmoothingFunction, corpus_bleu
from scipy.stats import pearsonr, spearmanr
from sklearn.metrics import accuracy_score, f1_score, matthews_corrcoef

OUT = Path(__file__).resolve().parent.parent / "datasets/src/test/resources/org/peftbench/datasets/metrics/metric_fixtures.json"
rng = random.Random(1234)


def norm(s):
    return s.split("</think>\n\n")[-1].strip().lower()


def binary_reverse(target, labels):
    return labels[0] if target == labels[1] else labels[1]


def classification_case(task, labels, n, invalid_rate, mcc=False, skew=None, name=None, answers=None):
    labels_l = [l.lower() for l in labels]
    golds, preds = [], []
    for _ in range(n):
        g = rng.choice(labels) if skew is None else rng.choices(labels, weights=skew)[0]
        r = rng.random()
        if r < invalid_rate:
            p = rng.choice(["maybe", "", "I think " + g, g + " because", "n/a"])
        elif r < 0.6 and (answers is None or g in answers):
            p = g
        else:
            p = rng.choice(answers or labels)
        # vary case and whitespace; the scorer must normalize them away
        p = rng.choice([p, p.upper(), "  " + p + "\n", p.capitalize()])
        golds.append(g)
        preds.append(p)
    t = [norm(g) for g in golds]
    p = [norm(x) for x in preds]
    p = [x if x in labels_l else binary_reverse(tt, labels_l) for x, tt in zip(p, t)]
    ids = {l: i for i, l in enumerate(labels_l)}
    ti = [ids[x] for x in t]
    pi = [ids[x] for x in p]
    expected = {}
    if len(labels) == 2:
        expected["f1"] = f1_score(ti, pi, zero_division=0)
    else:
        expected["macro_f1"] = f1_score(ti, pi, average="macro", zero_division=0)
    expected["accuracy"] = accuracy_score(ti, pi)
    if mcc:
        expected["mcc"] = matthews_corrcoef(ti, pi)
    invalid = sum(1 for x in preds if norm(x) not in labels_l)
    expected["invalid"] = invalid / n
    return {"name": name or task, "task": task, "predictions": preds, "labels": [[g] for g in golds],
            "expected": {k: float(v) for k, v in expected.items()}}


def stsb_case(n):
    golds = [rng.choice([0.0, 1.0, 2.5, 3.8, 4.0, 5.0, rng.randint(0, 500) / 100]) for _ in range(n)]
    preds = []
    for g in golds:
        r = rng.random()
        if r < 0.1:
            preds.append("very similar")
        elif r < 0.4:
            preds.append(str(g))
        else:
            preds.append(str(round(min(5, max(0, g + rng.gauss(0, 1))), 1)))
    def f(s):
        try:
            return float(s)
        except ValueError:
            return -1.0
    pf = [f(norm(x)) for x in preds]
    gf = [f(norm(str(g))) for g in golds]
    return {"name": "stsb", "task": "stsb", "predictions": preds, "labels": [[str(g)] for g in golds],
            "expected": {"pearson": float(pearsonr(pf, gf)[0]), "spearman": float(spearmanr(pf, gf)[0])}}


# SQuAD v1.1 evaluation, as used for ReCoRD
def normalize_answer(s):
    def remove_articles(text):
        return re.sub(r"\b(a|an|the)\b", " ", text)

    def white_space_fix(text):
        return " ".join(text.split())

    def remove_punc(text):
        exclude = set(string.punctuation)
        return "".join(ch for ch in text if ch not in exclude)

    return white_space_fix(remove_articles(remove_punc(s.lower())))


def squad_f1(prediction, ground_truth):
    p = normalize_answer(prediction).split()
    g = normalize_answer(ground_truth).split()
    common = Counter(p) & Counter(g)
    num_same = sum(common.values())
    if num_same == 0:
        return 0.0
    precision = num_same / len(p)
    recall = num_same / len(g)
    return 2 * precision * recall / (precision + recall)


def record_case():
    entities = ["Diego Costa", "Chelsea", "the Blues", "Jose Mourinho", "Olimpija Ljubljana",
                "U.S.", "New York", "Barack Obama", "Obama", "an apple a day"]
    preds, golds = [], []
    for _ in range(40):
        gold = rng.sample(entities, rng.choice([1, 1, 2, 3]))
        r = rng.random()
        if r < 0.4:
            p = rng.choice(gold)
        elif r < 0.6:
            p = rng.choice(gold).split()[-1]
        elif r < 0.7:
            p = "The " + rng.choice(gold) + "!"
        else:
            p = rng.choice(entities)
        preds.append(p)
        golds.append(gold)
    pn = [norm(x) for x in preds]
    gn = [[norm(x) for x in g] for g in golds]
    em = np.mean([max(float(normalize_answer(p) == normalize_answer(g)) for g in gs) for p, gs in zip(pn, gn)])
    f1 = np.mean([max(squad_f1(p, g) for g in gs) for p, gs in zip(pn, gn)])
    return {"name": "record", "task": "record", "predictions": preds, "labels": golds,
            "expected": {"f1": float(f1), "exact_match": float(em)}}


def gsm8k_case():
    preds, golds = [], []
    for i in range(30):
        gold_n = rng.choice([18, 3, 70000, 1.5, -4, 1200])
        gold = f"Some steps <<1+1=2>>.\n#### {gold_n:,}" if isinstance(gold_n, int) else f"steps\n#### {gold_n}"
        r = rng.random()
        if r < 0.4:
            p = f"We compute it.\n#### {gold_n}"
        elif r < 0.5:
            p = f"thinking</think>\n\nanswer\n#### {gold_n}%"
        elif r < 0.6:
            p = "The answer is 18"
        elif r < 0.7:
            p = "#### eighteen"
        else:
            p = f"#### {rng.randint(0, 20)}"
        preds.append(p)
        golds.append(gold)

    def extract(text):
        return text.split("####")[-1].strip() if "####" in text else None

    def num(a):
        try:
            return float(a.replace(",", "").replace("%", ""))
        except (AttributeError, ValueError):
            return None

    correct = fmt = 0
    for p, g in zip(preds, golds):
        pv, gv = num(extract(norm(p))), num(extract(norm(g)))
        if pv is not None and gv is not None and abs(pv - gv) < 1e-6:
            correct += 1
        if pv is None or gv is None:
            fmt += 1
    return {"name": "gsm8k", "task": "gsm8k", "predictions": preds, "labels": [[g] for g in golds],
            "expected": {"accuracy": correct / len(preds), "format_errors": float(fmt)}}


OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
       ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.USub: operator.neg, ast.UAdd: operator.pos}


def safe_eval(expr):
    def ev(node):
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            return node.value
        if isinstance(node, ast.UnaryOp) and type(node.op) in OPS:
            return OPS[type(node.op)](ev(node.operand))
        if isinstance(node, ast.BinOp) and type(node.op) in OPS:
            return OPS[type(node.op)](ev(node.left), ev(node.right))
        raise ValueError("Disallowed expression")
    return float(ev(ast.parse(expr.strip(), mode="eval").body))


def single_outer(s):
    s = s.strip()
    if not (s.startswith("(") and s.endswith(")")):
        return False
    depth = 0
    for i, ch in enumerate(s):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0 and i != len(s) - 1:
                return False
    return depth == 0


NUM = re.compile(r"^[+-]?(\d+(\.\d+)?|\.\d+)$")


def parse_eq(eq):
    if eq.count("=") != 1:
        return None, None, "fmt"
    lhs, rhs = [x.strip() for x in eq.split("=", 1)]
    if not single_outer(lhs):
        return None, None, "fmt"
    if not NUM.match(rhs.replace(",", "")):
        return None, None, "fmt"
    return lhs, rhs, None


def canon(lhs, rhs):
    # whitespace removed from the left side, as PEFT-Factory's canon intends
    x = float(rhs.replace(",", ""))
    r = str(int(x)) if math.isclose(x, round(x), rel_tol=0, abs_tol=1e-9) else str(x)
    return re.sub(r"\s+", "", lhs) + "=" + r


def svamp_case():
    golds = ["( 76.0 - 25.0 ) = 51", "( 4.0 - 3.0 ) = 1", "( ( 2.0 * 3.0 ) + 1.0 ) = 7", "( 10.0 / 4.0 ) = 2.5"]
    preds_pool = [
        "( 76.0 - 25.0 ) = 51", "(76.0-25.0) = 51.0", "( 76 - 25 ) = 51", "( 76.0 - 25.0 ) = 50",
        "76.0 - 25.0 = 51", "( 4.0 - 3.0 ) = 1", "( 3.0 - 2.0 ) = 1", "( ( 2.0 * 3.0 ) + 1.0 ) = 7",
        "( 2.0 * 3.0 + 1.0 ) = 7", "( 10.0 / 4.0 ) = 2.5", "( 10.0 // 4.0 ) = 2", "( 10 % 4 ) = 2",
        "( -7 // 2 ) = -4", "( 2 ** 3 ) = 8", "( 1 / 0 ) = 1", "( a + 1 ) = 2", "the answer is 51",
        "( 1 + 1 ) = 2 = 2", "( 07 + 1 ) = 8", "( 1_000 + 1 ) = 1,001", "( .5 + .5 ) = 1",
    ]
    preds, gs = [], []
    for i in range(60):
        preds.append(rng.choice(preds_pool))
        gs.append(rng.choice(golds))
    consistent = gold_eq = gold_ans = fmt = 0
    for p, g in zip(preds, gs):
        p, g = norm(p), norm(g)
        lhs, rhs, err = parse_eq(p)
        if err:
            fmt += 1
            continue
        try:
            lv = safe_eval(lhs[1:-1])
            rv = float(rhs.replace(",", ""))
        except Exception:
            fmt += 1
            continue
        ok = abs(lv - rv) < 1e-6
        if not ok:
            continue
        consistent += 1
        gl, gr, _ = parse_eq(g)
        if canon(lhs, rhs) == canon(gl, gr):
            gold_eq += 1
        if abs(rv - float(gr.replace(",", ""))) < 1e-6:
            gold_ans += 1
    n = len(preds)
    return {"name": "svamp", "task": "svamp", "predictions": preds, "labels": [[g] for g in gs],
            "expected": {"accuracy": consistent / n, "gold_equation_match": gold_eq / n,
                         "answer_match": gold_ans / n, "format_errors": float(fmt)}}


KEYWORDS = set("False None True and as assert async await break class continue def del elif else except "
               "finally for from global if import in is lambda nonlocal not or pass raise return try while "
               "with yield match case type".split())


def ngram_counts(tokens, n):
    return Counter(tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1))


def weighted_ngram_match(refs, hyps):
    # CodeBLEU's weighted n-gram match (recall, unigrams weighted 1 for keywords, 0.2 otherwise;
    # the brevity penalty sees each (tokens, weights) reference pair as length 2).
    num = Counter()
    den = Counter()
    hyp_len = ref_len = 0
    for references, hyp in zip(refs, hyps):
        for n in range(1, 5):
            counts = ngram_counts(hyp, n)
            for ref in references:
                rc = ngram_counts(ref, n)
                clipped = {g: min(c, counts[g]) for g, c in rc.items()}
                if n == 1:
                    w = {t: 1 if t in KEYWORDS else 0.2 for t in ref}
                    num[n] += sum(c * w[g[0]] for g, c in clipped.items())
                    den[n] += max(1, sum(c * w[g[0]] for g, c in rc.items()))
                else:
                    num[n] += sum(clipped.values())
                    den[n] += max(1, sum(rc.values()))
        hyp_len += len(hyp)
        ref_len += min([2] * len(references), key=lambda r: (abs(r - len(hyp)), r))
    if num[1] == 0:
        return 0.0
    bp = 1.0 if hyp_len > ref_len else (0.0 if hyp_len == 0 else math.exp(1 - ref_len / hyp_len))
    return bp * math.exp(math.fsum(0.25 * math.log((num[n] if num[n] else 0.1) / den[n]) for n in range(1, 5)))


def code_case():
    snippets = [
        "os.kill(os.getpid(), signal.SIGUSR1)",
        "bytes.fromhex('4a4b4c').decode('utf-8')",
        "r = int(''.join(map(str, x)))",
        "for i in range(10):\n    if i % 2 == 0:\n        print(i)",
        "def f(x):\n    return x + 1",
        "import numpy as np\nnp.zeros((3, 3))",
        "sorted(d.items(), key=lambda kv: kv[1], reverse=True)",
        "with open('f.txt') as f:\n    data = f.read()",
    ]
    preds, golds = [], []
    for s in snippets * 2:
        r = rng.random()
        toks = s.split(" ")
        if r < 0.3:
            p = s
        elif r < 0.6:
            p = " ".join(t for t in toks if rng.random() > 0.3)
        elif r < 0.8:
            p = rng.choice(snippets)
        else:
            p = "print ( 'hello' )"
        preds.append(p)
        golds.append(s)
    # PEFT-Factory lower-cases and strips both sides before CodeBLEU
    hyps = [norm(p).split() for p in preds]
    refs = [[norm(g).split()] for g in golds]
    bleu = corpus_bleu(refs, hyps, smoothing_function=SmoothingFunction().method1)
    return {"name": "conala", "task": "conala", "predictions": preds, "labels": [[g] for g in golds],
            "expected": {"bleu": float(bleu), "weighted_ngram_match": float(weighted_ngram_match(refs, hyps))}}


def main():
    cases = [
        classification_case("sst2", ["negative", "positive"], 200, 0.1),
        classification_case("rte", ["entailment", "not_entailment"], 150, 0.2),
        classification_case("cola", ["unacceptable", "acceptable"], 300, 0.05, mcc=True),
        classification_case("copa", ["choice1", "choice2"], 100, 0.1),
        classification_case("boolq", ["false", "true"], 120, 0.0, skew=[1, 3], name="boolq-skewed"),
        classification_case("cb", ["entailment", "contradiction", "neutral"], 80, 0.15),
        classification_case("mnli", ["entailment", "neutral", "contradiction"], 250, 0.1),
        # a class that never occurs in gold or prediction: sklearn's macro average leaves it out
        classification_case("mmlu", ["A", "B", "C", "D"], 60, 0.1, skew=[1, 1, 1, 0], name="mmlu-missing-class",
                            answers=["A", "B", "C"]),
        classification_case("siqa", ["A", "B", "C"], 90, 0.1),
        classification_case("hellaswag", ["ending1", "ending2", "ending3", "ending4"], 120, 0.1),
        classification_case("mathqa", ["a", "b", "c", "d", "e"], 150, 0.1),
        stsb_case(120),
        record_case(),
        gsm8k_case(),
        svamp_case(),
        code_case(),
    ]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(cases, indent=1) + "\n")
    print(f"wrote {len(cases)} cases to {OUT}")


if __name__ == "__main__":
    main()
