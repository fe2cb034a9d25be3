"""Runs the labelled banner evaluation (data/eval/banners) through the
`derisk assets` binary, once with the bundled rules alone and once with
Rapid7 Recog's fingerprints added at run time (--recog), and prints for
each set the recall on rows of designated families (overall, and on rows
not taken from recog itself), the rows attributed to the wrong family, and
the rows of other makers attributed to a registry entity.

    python3 bench/eval_banners.py target/release/derisk RECOG_XML_DIR
"""

import csv
import json
import subprocess
import sys
import tempfile
from pathlib import Path

SETS = {
    "main": ["designated.csv", "others.csv"],
    "holdout": ["holdout.csv"],
}


def rows(name):
    path = Path("data/eval/banners") / name
    with path.open(newline="", encoding="utf-8") as f:
        for i, r in enumerate(csv.DictReader(f)):
            yield {"id": f"{name}:{i + 2}", **r}


def run(derisk, items, recog):
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
        for r in items:
            field, value = r["field"], r["value"]
            obs = {"id": r["id"]}
            if field.startswith("onvif."):
                obs["onvif"] = {field[6:]: value}
            else:
                obs[field] = value
            f.write(json.dumps(obs) + "\n")
        name = f.name
    cmd = [derisk, "assets", "--format", "jsonl", name]
    if recog:
        cmd[2:2] = ["--recog", recog]
    out = subprocess.run(cmd, capture_output=True, text=True, check=False)
    Path(name).unlink()
    if not out.stdout:
        sys.exit(f"{' '.join(cmd)} wrote nothing: {out.stderr.strip()}")
    found = {}
    for line in out.stdout.splitlines():
        d = json.loads(line)
        ids = []
        if d.get("maker"):
            ids = [d["maker"]["entity_id"]] + [s["entity_id"] for s in d.get("path", [])]
        found[d["id"]] = ids
    return found


def score(items, found, keep=lambda r: True):
    fam = [r for r in items if r.get("family") and keep(r)]
    other = [r for r in items if not r.get("family")]
    hit = sum(1 for r in fam if r["family"] in found.get(r["id"], []))
    wrong = sum(1 for r in fam if found.get(r["id"]) and r["family"] not in found[r["id"]])
    false = sum(1 for r in other if found.get(r["id"]))
    return hit, len(fam), wrong, false, len(other)


def main():
    derisk, recog = sys.argv[1], sys.argv[2]
    for name, files in SETS.items():
        items = [r for f in files for r in rows(f)]
        for label, rdir in [("bundled rules", None), ("bundled + recog", recog)]:
            found = run(derisk, items, rdir)
            h, n, w, fa, no = score(items, found)
            h2, n2, _, _, _ = score(items, found, lambda r: r["source"] != "recog")
            print(
                f"{name:8} {label:16} recall {h}/{n} = {h / n:.3f}; "
                f"on rows not from recog {h2}/{n2} = {h2 / n2:.3f}; "
                f"wrong family {w}; other makers attributed {fa}/{no}"
            )


if __name__ == "__main__":
    main()
