"""Scores the labelled name pairs of data/eval/names with derisk and with
nomenklatura's logic-v2 in one run, and prints precision, recall and F1 of
both, with pairs per second for each. Run by scripts/eval-names.

    python bench/eval_names.py DERISK_BINARY [--json OUT.json]

Labels (see data/eval/names/README.md): `same`, `related` (with a
`relation`: subsidiary, parent, sister, other) and `different`.

- "look": should an analyst look at the pair? same and related are
  positives. derisk's `review` decision (score >= its review threshold)
  and logic-v2's 0.7 (yente's match threshold) are measured on it.
- "match": derisk's `match` claims the query is the listed organisation or
  one it covers. Correct when the pair is `same`, or `related` with name1 a
  subsidiary of name2 (the lists derisk screens against name subsidiaries
  and affiliates as covered); logic-v2 at 0.7 is measured the same way.
  The strict figure (only `same` correct) is printed beside it.
"""

import csv
import glob
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def load():
    rows = []
    for path in sorted(glob.glob(os.path.join(ROOT, "data/eval/names/*.csv"))):
        with open(path, newline="", encoding="utf-8") as fh:
            for r in csv.DictReader(fh):
                r["file"] = os.path.basename(path)
                r.setdefault("relation", "")
                rows.append(r)
    return rows


def derisk_scores(binary, rows):
    with tempfile.NamedTemporaryFile("w", suffix=".csv", newline="", delete=False, encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["name1", "name2"])
        for r in rows:
            w.writerow([r["name1"], r["name2"]])
        path = fh.name
    started = time.perf_counter()
    out = subprocess.run([binary, "compare", "--pairs", path], capture_output=True, check=True)
    seconds = time.perf_counter() - started
    os.unlink(path)
    lines = [json.loads(l) for l in out.stdout.decode("utf-8").splitlines()]
    assert len(lines) == len(rows), (len(lines), len(rows))
    return lines, seconds


def nomenklatura_scores(rows):
    from followthemoney import model
    from nomenklatura.matching import get_algorithm
    from nomenklatura.matching.types import ScoringConfig

    algorithm = get_algorithm("logic-v2")
    config = ScoringConfig.defaults()

    def company(entity_id, name):
        e = model.make_entity("Company")
        e.id = entity_id
        e.add("name", name)
        return e

    pairs = [(company(f"q{i}", r["name1"]), company(f"r{i}", r["name2"])) for i, r in enumerate(rows)]
    algorithm.compare(pairs[0][0], pairs[0][1], config)
    started = time.perf_counter()
    scores = [algorithm.compare(a, b, config).score for a, b in pairs]
    return scores, time.perf_counter() - started


def prf(truth, flagged):
    tp = sum(1 for t, f in zip(truth, flagged) if t and f)
    fp = sum(1 for t, f in zip(truth, flagged) if not t and f)
    fn = sum(1 for t, f in zip(truth, flagged) if t and not f)
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 3), "recall": round(r, 3), "f1": round(f, 3), "tp": tp, "fp": fp, "fn": fn}


def main():
    binary = sys.argv[1]
    rows = load()
    derisk, d_seconds = derisk_scores(binary, rows)
    d = [x["score"] for x in derisk]
    review = 0.60
    match = 0.85
    try:
        nk, n_seconds = nomenklatura_scores(rows)
    except ImportError:
        nk, n_seconds = None, None
    look = [r["label"] in ("same", "related") for r in rows]
    covered = [r["label"] == "same" or (r["label"] == "related" and r["relation"] == "subsidiary") for r in rows]
    same = [r["label"] == "same" for r in rows]
    result = {
        "pairs": len(rows),
        "labels": {k: sum(1 for r in rows if r["label"] == k) for k in ("same", "related", "different")},
        "derisk": {
            "pairs_per_second": round(len(rows) / d_seconds),
            "look_at_review": prf(look, [s >= review for s in d]),
            "look_at_match": prf(look, [s >= match for s in d]),
            "covered_at_match": prf(covered, [s >= match for s in d]),
            "same_at_match": prf(same, [s >= match for s in d]),
        },
    }
    if nk is not None:
        result["logic-v2"] = {
            "pairs_per_second": round(len(rows) / n_seconds),
            "look_at_0.7": prf(look, [s >= 0.7 for s in nk]),
            "covered_at_0.7": prf(covered, [s >= 0.7 for s in nk]),
            "same_at_0.7": prf(same, [s >= 0.7 for s in nk]),
        }
    # Per phenomenon: share of positives found and of negatives flagged.
    table = {}
    for i, r in enumerate(rows):
        t = table.setdefault(r["phenomenon"], {"pos": 0, "neg": 0, "d_pos": 0, "d_neg": 0, "n_pos": 0, "n_neg": 0})
        key = "pos" if look[i] else "neg"
        t[key] += 1
        t["d_" + key] += d[i] >= review
        if nk is not None:
            t["n_" + key] += nk[i] >= 0.7
    result["phenomena"] = table
    if "--json" in sys.argv:
        with open(sys.argv[sys.argv.index("--json") + 1], "w") as fh:
            json.dump(result, fh, indent=2)
    print(f"{len(rows)} labelled pairs: {result['labels']}")
    print()
    print("| scorer | decision | look P | look R | look F1 | match P (covered) | match P (same only) | pairs/s |")
    print("|---|---|---|---|---|---|---|---|")
    dr = result["derisk"]
    print(f"| derisk | review >= {review} | {dr['look_at_review']['precision']} | {dr['look_at_review']['recall']} | {dr['look_at_review']['f1']} | | | {dr['pairs_per_second']} |")
    print(f"| derisk | match >= {match} | {dr['look_at_match']['precision']} | {dr['look_at_match']['recall']} | {dr['look_at_match']['f1']} | {dr['covered_at_match']['precision']} | {dr['same_at_match']['precision']} | |")
    if nk is not None:
        n = result["logic-v2"]
        print(f"| nomenklatura logic-v2 | >= 0.7 | {n['look_at_0.7']['precision']} | {n['look_at_0.7']['recall']} | {n['look_at_0.7']['f1']} | {n['covered_at_0.7']['precision']} | {n['same_at_0.7']['precision']} | {n['pairs_per_second']} |")
    print()
    print("| phenomenon | positives | derisk found | logic-v2 found | negatives | derisk flagged | logic-v2 flagged |")
    print("|---|---|---|---|---|---|---|")
    for k in sorted(table):
        t = table[k]
        def share(a, b):
            return f"{a / b:.2f}" if b else "-"
        print(f"| {k} | {t['pos']} | {share(t['d_pos'], t['pos'])} | {share(t['n_pos'], t['pos']) if nk else '-'} | {t['neg']} | {share(t['d_neg'], t['neg'])} | {share(t['n_neg'], t['neg']) if nk else '-'} |")


if __name__ == "__main__":
    main()
