"""Benchmark of region resolution against the labelled places, with `cpca.transform` as the baseline.

    LIUYAN_VAR_DIR=/tmp/bench-var .venv/bin/python bench/regions.py [--repeat 3] [--misses] [--complaints CSV]

Uses the database of the environment (DATABASE_URL, else the SQLite database under LIUYAN_VAR_DIR; default:
a fresh one in a temporary directory), migrating it and seeding the directory when it has no townships.
Reads tests/intelligence/labels/places.csv (text, hint, expected, note, aside) and prints, for
`resolve_region` and for cpca, on the held-out fifth (aside = 1) and on the whole set: the share of exact
codes overall and by the level of the expected region (province / prefecture / county / township / none),
and the share placed outside the right subtree (an answer neither the expected region, a region above it
nor one below it; any answer where none is expected). Then the gazetteer's build time (wall and
CPU) and the memory it holds, the first pass (loads jieba's dictionary) and sentences/s warm.

--complaints: a CSV of real complaints (留言主题, 留言详情) from one prefecture, resolved with 长沙市
(430100) as the addressee: taidi2020's hot_messages.csv is from 长沙 with counties and above anonymised
(A市, A3区) and townships left as written, so a place outside 湖南 is almost always a misreading. Prints
the share of messages placed in 长沙's subtree, elsewhere in 湖南, and outside 湖南, with examples.

Baseline: cpca.transform over the text, with the hint's full name put in front when there is a hint (how
one would give cpca the addressee); its answer is the adcode of the most specific level it found (cpca
stops at counties), read through the directory's successors for codes that have gone.
"""

import argparse
import csv
import io
import os
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PLACES = ROOT / "tests" / "intelligence" / "labels" / "places.csv"
LEVELS = ("province", "prefecture", "county", "township", "none")
COMPLAINTS_HINT = "430100"


def setup_django() -> None:
    os.environ.setdefault("LIUYAN_VAR_DIR", tempfile.mkdtemp(prefix="liuyan-bench-regions-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liuyan.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    from liuyan.directory.choices import RegionLevel
    from liuyan.directory.models import Region

    call_command("migrate", verbosity=0, interactive=False)
    if not Region.objects.filter(level=RegionLevel.TOWNSHIP).exists():
        print("seeding the directory …", flush=True)
        call_command("seed_directory", verbosity=0, stdout=io.StringIO())


def level_of(code: str) -> str:
    if not code:
        return "none"
    if len(code) == 9:
        return "township"
    if code.endswith("0000"):
        return "province"
    return "prefecture" if code.endswith("00") else "county"


def outside(answer: str, expected: str, paths: dict[str, str]) -> bool:
    """Whether `answer` contradicts `expected`: a region off its chain, or any region where none is meant."""
    if not answer:
        return False
    if not expected:
        return True
    a, e = paths[answer], paths[expected]
    return not (a.startswith(e) or e.startswith(a))


def cpca_answers(rows: list[dict], names: dict[str, str], successor: Callable[[str], str]) -> list[str]:
    import cpca

    texts = [(names[row["hint"]] + " " if row["hint"] else "") + row["text"] for row in rows]
    with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
        frame = cpca.transform(texts)
    answers = []
    for adcode in frame["adcode"]:
        code = str(adcode)[:6] if isinstance(adcode, str) and adcode else ""
        answers.append(successor(code) if code in names else "")
    return answers


def report(title: str, rows: list[dict], answers: list[str], paths: dict[str, str]) -> None:
    right: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for row, answer in zip(rows, answers, strict=True):
        level = level_of(row["expected"])
        total[level] += 1
        right[level] += answer == row["expected"]
    wrong_place = sum(outside(a, r["expected"], paths) for r, a in zip(rows, answers, strict=True))
    by_level = "  ".join(
        f"{level} {right[level]}/{total[level]} ({right[level] / total[level]:.1%})"
        for level in LEVELS
        if total[level]
    )
    print(
        f"  {title:<15} exact {sum(right.values())}/{len(rows)} = {sum(right.values()) / len(rows):.1%}; "
        f"outside the subtree {wrong_place}/{len(rows)} = {wrong_place / len(rows):.1%}\n"
        f"  {'':<15} {by_level}"
    )


def complaints(path: Path, paths: dict[str, str]) -> None:
    from liuyan.intelligence.masking import mask_personal_data
    from liuyan.intelligence.regions import resolve_region

    with path.open(encoding="utf-8") as file:
        texts = [f"{row['留言主题']}\n{row['留言详情']}" for row in csv.DictReader(file)]
    where: Counter = Counter()
    examples: dict[str, list[str]] = {}
    started = time.perf_counter()
    for text in texts:
        guess = resolve_region(mask_personal_data(text), COMPLAINTS_HINT)
        place = paths[guess.code] if guess else ""
        kind = (
            "长沙市 itself"
            if guess and guess.code == COMPLAINTS_HINT
            else "inside 长沙市"
            if place.startswith(paths[COMPLAINTS_HINT])
            else "elsewhere in 湖南省"
            if place.startswith("430000/")
            else "outside 湖南省"
        )
        where[kind] += 1
        if kind != "长沙市 itself" and len(examples.setdefault(kind, [])) < 6:
            mentions = "、".join(m.text for m in guess.mentions) if guess else ""
            examples[kind].append(f"{guess.name if guess else '-'} ← {mentions}")
    elapsed = time.perf_counter() - started
    print(f"\n{len(texts)} complaints of {path.name}, addressee 长沙市, {len(texts) / elapsed:,.0f} texts/s:")
    for kind in ("长沙市 itself", "inside 长沙市", "elsewhere in 湖南省", "outside 湖南省"):
        print(f"  {kind:<18} {where[kind]:>5} = {where[kind] / len(texts):.1%}")
        for example in examples.get(kind, []):
            print(f"      {example}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="timed passes over the set (default 3)")
    parser.add_argument("--misses", action="store_true", help="list the resolver's wrong answers")
    parser.add_argument("--complaints", type=Path, help="a CSV of real complaints from 长沙 (see above)")
    args = parser.parse_args()
    setup_django()
    from liuyan.directory.models import Region
    from liuyan.intelligence.gazetteer import gazetteer
    from liuyan.intelligence.regions import resolve_region

    with PLACES.open(encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    names = dict(Region.objects.values_list("code", "name"))
    paths = dict(Region.objects.values_list("code", "path"))
    aside = [row for row in rows if row["aside"] == "1"]
    print(f"{len(rows)} sentences, {sum(1 for r in rows if r['hint'])} with a hint, {len(aside)} held out")

    # Measured twice: the time untraced, then the memory under tracemalloc (which slows allocation down).
    gazetteer.cache_clear()
    started, cpu = time.perf_counter(), time.process_time()
    gazetteer()
    build, build_cpu = time.perf_counter() - started, time.process_time() - cpu
    gazetteer.cache_clear()
    tracemalloc.start()
    gaz = gazetteer()
    held, _peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    started = time.perf_counter()
    guesses = [resolve_region(row["text"], row["hint"] or None) for row in rows]
    first = time.perf_counter() - started
    answers = [guess.code if guess else "" for guess in guesses]
    baseline = cpca_answers(rows, names, lambda code: gaz.successors.get(code, code))
    for title, subset in (("held-out fifth", aside), ("whole set", rows)):
        print(f"{title}:")
        keep = [i for i, row in enumerate(rows) if row in subset]
        report("resolve_region", subset, [answers[i] for i in keep], paths)
        report("cpca.transform", subset, [baseline[i] for i in keep], paths)

    started = time.perf_counter()
    for _ in range(args.repeat):
        for row in rows:
            resolve_region(row["text"], row["hint"] or None)
    elapsed = time.perf_counter() - started
    per_sentence = elapsed / (args.repeat * len(rows))
    print(
        f"gazetteer: {len(gaz.aliases):,} aliases of {len(gaz.places):,} regions built in {build:.2f} s "
        f"({build_cpu:.2f} s of CPU), "
        f"holding {held / 2**20:.0f} MiB; first pass {first:.2f} s (loads jieba's dictionary); "
        f"then {per_sentence * 1000:.3f} ms per sentence = {1 / per_sentence:,.0f} sentences/s"
    )
    if args.misses:
        for row, guess in zip(rows, guesses, strict=True):
            if (guess.code if guess else "") != row["expected"]:
                got = f"{guess.code} {guess.name} ({guess.confidence})" if guess else "nothing"
                print(f"  miss: {row['text']} [hint {row['hint'] or '-'}] expected {row['note']}; got {got}")
    if args.complaints:
        complaints(args.complaints, paths)


if __name__ == "__main__":
    main()
