"""Scores name pairs with nomenklatura's matchers and reports pairs per second.

Reads a CSV with columns name1,name2 (what `derisk compare` reads), turns
each name into a FollowTheMoney Company entity and times
`Algorithm.compare(query, result, config)` over every pair, per algorithm.
Writes one JSON object per algorithm to stdout: algorithm, pairs, seconds,
pairs_per_second, and the number of pairs at or above 0.7 (nomenklatura's
usual match cut-off in yente). Run by scripts/bench-nomenklatura.
"""

import csv
import json
import sys
import time

from followthemoney import model
from nomenklatura.matching import get_algorithm
from nomenklatura.matching.types import ScoringConfig


def company(entity_id, name):
    entity = model.make_entity("Company")
    entity.id = entity_id
    entity.add("name", name)
    return entity


def main():
    path, algorithms = sys.argv[1], sys.argv[2:]
    with open(path, newline="", encoding="utf-8") as fh:
        rows = [(r["name1"], r["name2"]) for r in csv.DictReader(fh)]
    pairs = [
        (company(f"q{i}", a), company(f"r{i}", b)) for i, (a, b) in enumerate(rows)
    ]
    for name in algorithms:
        algorithm = get_algorithm(name)
        if algorithm is None:
            sys.exit(f"no nomenklatura algorithm named {name}")
        config = ScoringConfig.defaults()
        # One pair first, so that lazy imports and caches are not timed.
        algorithm.compare(pairs[0][0], pairs[0][1], config)
        started = time.perf_counter()
        high = 0
        for query, result in pairs:
            if algorithm.compare(query, result, config).score >= 0.7:
                high += 1
        seconds = time.perf_counter() - started
        print(
            json.dumps(
                {
                    "algorithm": name,
                    "pairs": len(pairs),
                    "seconds": round(seconds, 3),
                    "pairs_per_second": round(len(pairs) / seconds),
                    "at_or_above_0.7": high,
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
