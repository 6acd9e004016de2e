"""Benchmark of region resolution against the labelled sentences, with `cpca.transform` as the baseline.

    LIUYAN_VAR_DIR=/tmp/bench-var .venv/bin/python bench/regions.py [--repeat 5]

Uses the SQLite database under LIUYAN_VAR_DIR (default: a fresh one in a temporary directory), migrating
it and seeding the directory when it has no regions. Reads tests/intelligence/region_sentences.csv
(text, hint, expected, note) and prints, for `resolve_region` and for cpca, the share of exact codes
overall and by the level of the expected region (province / prefecture / county / none), then the
resolver's speed: the gazetteer build, the first pass (loads jieba's dictionary) and sentences/s warm.

Baseline: cpca.transform over the text, with the hint's full name put in front when there is a hint (how
one would give cpca the addressee); its answer is the adcode of the most specific level it found.
"""

import argparse
import csv
import io
import os
import sys
import tempfile
import time
from collections import Counter
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SENTENCES = ROOT / "tests" / "intelligence" / "region_sentences.csv"
LEVELS = ("province", "prefecture", "county", "none")


def setup_django() -> None:
    os.environ.setdefault("LIUYAN_VAR_DIR", tempfile.mkdtemp(prefix="liuyan-bench-regions-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liuyan.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    from liuyan.directory.models import Region

    call_command("migrate", verbosity=0, interactive=False)
    if not Region.objects.exists():
        print("seeding the directory …", flush=True)
        call_command("seed_directory", verbosity=0, stdout=io.StringIO())


def level_of(code: str) -> str:
    if not code:
        return "none"
    if code.endswith("0000"):
        return "province"
    return "prefecture" if code.endswith("00") else "county"


def cpca_answers(rows: list[dict], names: dict[str, str]) -> list[str]:
    import cpca

    texts = [(names[row["hint"]] + " " if row["hint"] else "") + row["text"] for row in rows]
    with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
        frame = cpca.transform(texts)
    answers = []
    for adcode in frame["adcode"]:
        code = str(adcode)[:6] if isinstance(adcode, str) and adcode else ""
        answers.append(code if code in names else "")
    return answers


def report(title: str, rows: list[dict], answers: list[str]) -> None:
    right, total = Counter(), Counter()
    for row, answer in zip(rows, answers, strict=True):
        level = level_of(row["expected"])
        total[level] += 1
        right[level] += answer == row["expected"]
    overall = sum(right.values()) / len(rows)
    by_level = "  ".join(
        f"{level} {right[level]}/{total[level]} ({right[level] / total[level]:.1%})"
        for level in LEVELS
        if total[level]
    )
    print(f"{title:<16} exact {sum(right.values())}/{len(rows)} = {overall:.1%}   {by_level}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed passes over the set (default 5)")
    parser.add_argument("--misses", action="store_true", help="list the resolver's wrong answers")
    args = parser.parse_args()
    setup_django()
    from liuyan.directory.models import Region
    from liuyan.intelligence.gazetteer import gazetteer
    from liuyan.intelligence.regions import resolve_region

    with SENTENCES.open(encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    names = dict(Region.objects.values_list("code", "name"))
    print(f"{len(rows)} sentences, {sum(1 for r in rows if r['hint'])} with a hint")

    started = time.perf_counter()
    gazetteer.cache_clear()
    gaz = gazetteer()
    build = time.perf_counter() - started
    started = time.perf_counter()
    guesses = [resolve_region(row["text"], row["hint"] or None) for row in rows]
    first = time.perf_counter() - started
    answers = [guess.code if guess else "" for guess in guesses]
    report("resolve_region", rows, answers)
    report("cpca.transform", rows, cpca_answers(rows, names))

    started = time.perf_counter()
    for _ in range(args.repeat):
        for row in rows:
            resolve_region(row["text"], row["hint"] or None)
    elapsed = time.perf_counter() - started
    per_sentence = elapsed / (args.repeat * len(rows))
    print(
        f"gazetteer: {len(gaz.aliases)} aliases of {len(gaz.places)} regions built in {build:.2f} s; "
        f"first pass {first:.2f} s (loads jieba's dictionary); "
        f"then {per_sentence * 1000:.3f} ms per sentence = {1 / per_sentence:,.0f} sentences/s"
    )
    if args.misses:
        for row, guess in zip(rows, guesses, strict=True):
            if (guess.code if guess else "") != row["expected"]:
                got = f"{guess.code} {guess.name} ({guess.confidence})" if guess else "nothing"
                print(f"  miss: {row['text']} [hint {row['hint'] or '-'}] expected {row['note']}; got {got}")


if __name__ == "__main__":
    main()
