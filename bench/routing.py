"""Routing at county level on the hand-labelled routing set: top-1 and top-3 accuracy of the suggestions.

    .venv/bin/python bench/routing.py [--data ../shared/data/taidi2020] [--region 430121] [--var-dir DIR]
                                      [--errors]

tests/intelligence/labels/routing.csv names 408 messages of the shared files (source file + 留言编号) with
the kind of county department that should handle each (its catalogue key: education, housing …; README.md
beside it says how they were labelled). The bench sets up a scratch deployment (SQLite in a temporary
directory, or --var-dir to reuse one): migrate, seed the directory, train the domain classifier on
train_domains.csv as a deployment would. Then each message is routed as a desk's message page routes it:
the region certain (--region, a county), the domain from the classifier, the catalogue's suggestions.
A suggestion is right when its unit is of the labelled kind (the county's, or a higher level's where the
county has none). Printed: top-1 and top-3 accuracy on the held-out fifth (`aside` = 1) and on all rows,
the mean number of suggestions, and how many rows get different suggestions when a citizen's ID number and
bank card are added to the text (it should be none). With --errors (for tuning) only the rows outside the
held-out fifth are measured, and those whose label is not the first suggestion are listed with what was
suggested and why; nothing of the held-out fifth is shown. The national lines of the reused deployment are
made those of the catalogue in the code measured before each run.

The code measured is the `liuyan` package Python imports: to measure another revision, put its `src` first
on PYTHONPATH (e.g. a `git worktree` of it); the subprocesses and this script then use it alike.
"""

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIUYAN = Path(sys.executable).parent / "liuyan"
LABELS = ROOT / "tests" / "intelligence" / "labels" / "routing.csv"
# What a citizen may add to any message: an ID number and a bank card, with the words that introduce them.
PERSONAL = "\n本人身份证号码：43010219800101123X，银行卡号：6222 0212 3456 7890 123，开户行：中国建设银行。"


def labelled_rows(data: Path) -> list[dict]:
    """The labelled rows with their message's title and body read from the shared files."""
    with LABELS.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    texts: dict[tuple[str, str], str] = {}
    for source in {row["source"] for row in rows}:
        with (data / source).open(encoding="utf-8-sig", newline="") as handle:
            for record in csv.DictReader(handle):
                key = (source, (record["留言编号"] or "").strip())
                texts[key] = f"{(record['留言主题'] or '').strip()}\n{(record['留言详情'] or '').strip()}"
    for row in rows:
        row["text"] = texts[(row["source"], row["留言编号"])]
    return rows


def deploy(var_dir: Path, data: Path) -> None:
    env = dict(os.environ, LIUYAN_VAR_DIR=str(var_dir), OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    env.pop("DATABASE_URL", None)
    steps = [
        ("migrate", ["migrate", "--noinput"]),
        ("seed_directory", ["seed_directory"]),
        (
            "train_classifier (domain)",
            [
                "train_classifier",
                "--kind",
                "domain",
                "--file",
                str(data / "train_domains.csv"),
                "--folds",
                "0",
            ],
        ),
    ]
    for label, command in steps:
        started = time.perf_counter()
        subprocess.run([str(LIUYAN), *command], env=env, check=True, stdout=subprocess.DEVNULL)
        print(f"  {label}: {time.perf_counter() - started:.1f} s", flush=True)


def route_all(
    rows: list[dict], region_code: str, extra: str = "", shown: list | None = None
) -> list[list[str]]:
    """The kinds of the suggested units of each row, best first (and the suggestions themselves appended
    to `shown` when given)."""
    from liuyan.directory.models import Domain, Region
    from liuyan.intelligence.analyze import level_one_domains
    from liuyan.intelligence.classifier import load_classifier
    from liuyan.intelligence.routing import active_rules, suggest_units

    try:
        from liuyan.intelligence.masking import drop_personal_data
    except ImportError:  # a revision before masking
        drop_personal_data = str

    region = Region.objects.get(pk=region_code)
    texts = [row["text"] + extra for row in rows]
    classifier = load_classifier("domain")
    predictions = classifier.predict([drop_personal_data(text) for text in texts])
    by_name = {domain.name: domain for domain in Domain.objects.filter(parent=None)}
    rules, units = active_rules(), {}
    try:  # what the desk's page passes since routing weighs keywords by the domains the model can name
        from liuyan.intelligence.analyze import judged_domains

        options = {"judged": judged_domains(by_name)}
    except ImportError:
        options = {}
    routed = []
    for text, prediction in zip(texts, predictions, strict=True):
        domains = level_one_domains(prediction, by_name)
        suggestions = suggest_units(region, domains, text, rules=rules, unit_cache=units, **options)
        routed.append([s.unit.code.split("-", 1)[1] for s in suggestions])
        if shown is not None:
            shown.append(suggestions)
    return routed


def sync_catalogue() -> None:
    """Make the scratch deployment's national routing lines those of the catalogue in the code measured (a
    reused deployment keeps the lines of the revision that seeded it otherwise)."""
    from liuyan.directory import actions
    from liuyan.directory.models import RoutingRule

    RoutingRule.objects.filter(region=None, unit=None).delete()
    actions._seed_routing_rules()


def accuracy(rows: list[dict], routed: list[list[str]], k: int) -> tuple[int, int]:
    hits = sum(1 for row, kinds in zip(rows, routed, strict=True) if row["unit_kind"] in kinds[:k])
    return hits, len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "taidi2020")
    parser.add_argument("--region", default="430121", help="the county the messages are routed in")
    parser.add_argument(
        "--var-dir", type=Path, help="a scratch deployment to reuse (made there when the folder is missing)"
    )
    parser.add_argument(
        "--errors",
        action="store_true",
        help="list the rows outside the held-out fifth whose label is not first (never the aside rows)",
    )
    args = parser.parse_args()

    rows = labelled_rows(args.data)
    var_dir = args.var_dir or Path(tempfile.mkdtemp(prefix="liuyan-bench-routing-"))
    if not args.var_dir or not var_dir.exists():
        var_dir.mkdir(parents=True, exist_ok=True)
        print(f"Scratch deployment in {var_dir}")
        deploy(var_dir, args.data)
    os.environ["LIUYAN_VAR_DIR"] = str(var_dir)
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liuyan.settings")
    import django

    django.setup()
    import liuyan

    print(f"Code: {Path(liuyan.__file__).parent}")
    sync_catalogue()
    started = time.perf_counter()
    shown: list = []
    routed = route_all(rows, args.region, shown=shown)
    elapsed = time.perf_counter() - started
    aside = [i for i, row in enumerate(rows) if row["aside"] == "1"]
    parts = [("aside fifth", aside), ("all rows", range(len(rows)))]
    if args.errors:  # tuning: nothing of the held-out fifth is shown
        parts = [("rows outside the aside fifth", [i for i, row in enumerate(rows) if row["aside"] != "1"])]
    for name, chosen in parts:
        part_rows = [rows[i] for i in chosen]
        part_routed = [routed[i] for i in chosen]
        figures = []
        for k in (1, 3):
            hits, total = accuracy(part_rows, part_routed, k)
            figures.append(f"top-{k} {hits / total:.1%} ({hits}/{total})")
        print(f"{name}: " + ", ".join(figures))
    sizes = Counter(len(kinds) for kinds in routed)
    print(
        f"suggestions per row: mean {sum(len(k) for k in routed) / len(routed):.2f} "
        f"({', '.join(f'{n}: {sizes[n]}' for n in sorted(sizes))}); {len(rows) / elapsed:.0f} rows/s"
    )
    with_personal = route_all(rows, args.region, PERSONAL)
    changed = sum(1 for a, b in zip(routed, with_personal, strict=True) if a != b)
    print(f"rows whose suggestions change when an ID number and a bank card are added: {changed}/{len(rows)}")
    missed = Counter(
        row["unit_kind"]
        for row, kinds in zip(rows, routed, strict=True)
        if row["unit_kind"] not in kinds and not (args.errors and row["aside"] == "1")
    )
    which = "outside the aside fifth" if args.errors else "all rows"
    print(f"missed in the top 3, by labelled kind ({which}):", dict(missed.most_common()))
    if args.errors:
        print("\nRows outside the held-out fifth whose label is not first (* = not in the top 3):")
        for row, kinds, suggestions in zip(rows, routed, shown, strict=True):
            if row["aside"] == "1" or kinds[:1] == [row["unit_kind"]]:
                continue
            mark = "*" if row["unit_kind"] not in kinds else " "
            print(f"{mark} {row['source'][:1]}{row['留言编号']} [{row['unit_kind']}] {row['text'][:150]!r}")
            for s in suggestions:
                print(f"      {s.unit.code.split('-', 1)[1]} {s.confidence:.2f} {s.reason}")


if __name__ == "__main__":
    main()
