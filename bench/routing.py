"""Routing at county level on the hand-labelled routing set: top-1 and top-3 accuracy of the suggestions,
without and with the learnt unit-kind model.

    .venv/bin/python bench/routing.py [--data ../shared/data/taidi2020] [--region 430121] [--var-dir DIR]
                                      [--cv] [--errors]

tests/intelligence/labels/routing.csv names 623 messages of the shared files (source file + 留言编号) with
the kind of county department that should handle each (its catalogue key: education, housing …; README.md
beside it says how they were labelled). The bench sets up a scratch deployment (SQLite in a temporary
directory, or --var-dir to reuse one): migrate, seed the directory, train the domain classifier on
train_domains.csv as a deployment would. Then each message is routed as a desk's message page routes it:
the region certain (--region, a county), the domain from the classifier, the catalogue's suggestions —
first without the unit-kind model ("catalogue"), then with it ("+ learnt"): a model trained here, as
`classifier_for("unit")` trains it, on the rows outside the held-out fifth only (`aside` = 0), blended with
the weight the code measured has (routing.LEARNT_WEIGHT). A suggestion is right when its unit is of the
labelled kind (the county's, or a higher level's where the county has none). Printed: top-1 and top-3 on
the held-out rows — those of rows 1–350 (the first aside fifth), 351–408, 409–623, and all of them — the
mean number of suggestions, and how many rows get different suggestions when a citizen's ID number and
bank card are added to the text (it should be none).

With --cv, the blend weight is chosen instead: 5-fold cross-validation on the rows outside the held-out
fifth (a model fitted on four folds answers for the fifth), top-1 and top-3 for each weight; nothing of
the held-out rows is used or shown. With --errors (for tuning) only the rows outside the held-out fifth are
routed, each with the cross-validated model's answer, and those whose label is not the first suggestion are
listed with what was suggested and why. The national lines of the reused deployment are made those of the
catalogue in the code measured before each run.

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

import numpy as np

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
    for number, row in enumerate(rows, start=1):
        row["text"] = texts[(row["source"], row["id"])]
        row["number"] = number
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
    rows: list[dict], region_code: str, learnt: list | None = None, extra: str = "", shown: list | None = None
) -> list[list[str]]:
    """The kinds of the suggested units of each row, best first (and the suggestions themselves appended
    to `shown` when given); `learnt`: the unit-kind model's answer for each row (None: catalogue alone)."""
    from liuyan.directory.models import Domain, Region
    from liuyan.intelligence.analyze import judged_domains, level_one_domains
    from liuyan.intelligence.classifier import load_classifier
    from liuyan.intelligence.masking import drop_personal_data
    from liuyan.intelligence.routing import active_rules, suggest_units, unit_kind

    region = Region.objects.get(pk=region_code)
    texts = [row["text"] + extra for row in rows]
    predictions = load_classifier("domain").predict([drop_personal_data(text) for text in texts])
    by_name = {domain.name: domain for domain in Domain.objects.filter(parent=None)}
    rules, units, judged = active_rules(), {}, judged_domains(by_name)
    routed = []
    for i, (text, prediction) in enumerate(zip(texts, predictions, strict=True)):
        suggestions = suggest_units(
            region,
            level_one_domains(prediction, by_name),
            text,
            rules=rules,
            unit_cache=units,
            judged=judged,
            learnt=learnt[i] if learnt else None,
        )
        routed.append([unit_kind(s.unit.code) for s in suggestions])
        if shown is not None:
            shown.append(suggestions)
    return routed


def learnt_answers(model, texts: list[str]) -> list:
    """The model's answer for each text, as the desk's page passes it to the routing."""
    from liuyan.intelligence.analyze import learnt_unit_kinds
    from liuyan.intelligence.masking import drop_personal_data

    return learnt_unit_kinds([drop_personal_data(text) for text in texts], model)


def fit_unit_model(rows: list[dict]):
    """A unit-kind model as `train_classifier --kind unit` trains one, on `rows` only."""
    from liuyan.intelligence.classifier import classifier_for, without_rare_labels
    from liuyan.intelligence.textfeatures import LabelledTexts

    data, _rare = without_rare_labels(
        LabelledTexts(texts=[row["text"] for row in rows], labels=[row["unit"] for row in rows])
    )
    return classifier_for("unit").fit(data.texts, data.labels)


def cross_validated_answers(rows: list[dict], folds: int = 5) -> list:
    """For each of `rows`, the answer of a unit-kind model fitted on the other folds (stratified by kind)."""
    from sklearn.model_selection import StratifiedKFold

    labels = np.array([row["unit"] for row in rows])
    answers: list = [None] * len(rows)
    splitter = StratifiedKFold(folds, shuffle=True, random_state=20261205)
    # A kind with fewer rows than folds still goes into some folds (scikit-learn warns; it is expected).
    for train, test in splitter.split(np.zeros(len(rows)), labels):
        model = fit_unit_model([rows[i] for i in train])
        for i, answer in zip(test, learnt_answers(model, [rows[i]["text"] for i in test]), strict=True):
            answers[i] = answer
    return answers


def sync_catalogue() -> None:
    """Make the scratch deployment's national routing lines those of the catalogue in the code measured (a
    reused deployment keeps the lines of the revision that seeded it otherwise)."""
    from liuyan.directory import actions
    from liuyan.directory.models import RoutingRule

    RoutingRule.objects.filter(region=None, unit=None).delete()
    actions._seed_routing_rules()


def accuracy(rows: list[dict], routed: list[list[str]], k: int) -> tuple[int, int]:
    hits = sum(1 for row, kinds in zip(rows, routed, strict=True) if row["unit"] in kinds[:k])
    return hits, len(rows)


def figures(rows: list[dict], routed: list[list[str]]) -> str:
    parts = []
    for k in (1, 3):
        hits, total = accuracy(rows, routed, k)
        parts.append(f"top-{k} {hits / total:.1%} ({hits}/{total})")
    return ", ".join(parts)


def choose_weight(rows: list[dict], region: str) -> None:
    """Top-1 and top-3 of the cross-validated blend at each weight, on the rows outside the aside fifth: all
    of them, those of rows 1–350 (the catalogue's keyword lines were written from their misses) and those of
    rows 351–623 (no tuning touched them)."""
    from liuyan.intelligence import routing

    training = [row for row in rows if row["aside"] != "1"]
    started = time.perf_counter()
    answers = cross_validated_answers(training)
    print(
        f"5-fold cross-validation on the {len(training)} rows outside the aside fifth "
        f"({time.perf_counter() - started:.0f} s to fit); all | rows 1-350 | rows 351-623:"
    )
    early = [i for i, row in enumerate(training) if row["number"] <= 350]
    late = [i for i, row in enumerate(training) if row["number"] > 350]

    def line(routed: list[list[str]]) -> str:
        return " | ".join(
            figures([training[i] for i in part], [routed[i] for i in part])
            for part in (range(len(training)), early, late)
        )

    print(f"  catalogue alone: {line(route_all(training, region))}")
    kept = routing.LEARNT_WEIGHT
    for weight in (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0):
        routing.LEARNT_WEIGHT = weight
        print(f"  LEARNT_WEIGHT {weight:.1f}: {line(route_all(training, region, answers))}")
    routing.LEARNT_WEIGHT = kept


def list_errors(rows: list[dict], region: str) -> None:
    """The rows outside the aside fifth whose label is not first, routed with the cross-validated model."""
    training = [row for row in rows if row["aside"] != "1"]
    shown: list = []
    routed = route_all(training, region, cross_validated_answers(training), shown=shown)
    print(f"rows outside the aside fifth, cross-validated: {figures(training, routed)}")
    missed = Counter(
        row["unit"] for row, kinds in zip(training, routed, strict=True) if row["unit"] not in kinds
    )
    print("missed in the top 3, by labelled kind:", dict(missed.most_common()))
    print("\nRows whose label is not first (* = not in the top 3):")
    for row, kinds, suggestions in zip(training, routed, shown, strict=True):
        if kinds[:1] == [row["unit"]]:
            continue
        mark = "*" if row["unit"] not in kinds else " "
        print(f"{mark} {row['source'][:1]}{row['id']} [{row['unit']}] {row['text'][:150]!r}")
        for s in suggestions:
            print(f"      {s.unit.code.split('-', 1)[1]} {s.confidence:.2f} {s.reason}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "taidi2020")
    parser.add_argument("--region", default="430121", help="the county the messages are routed in")
    parser.add_argument(
        "--var-dir", type=Path, help="a scratch deployment to reuse (made there when the folder is missing)"
    )
    parser.add_argument(
        "--cv",
        action="store_true",
        help="choose the blend weight by 5-fold cross-validation outside the held-out fifth (nothing else)",
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
    from liuyan.intelligence.routing import LEARNT_WEIGHT

    print(f"Code: {Path(liuyan.__file__).parent}")
    sync_catalogue()
    if args.cv:
        choose_weight(rows, args.region)
        return
    if args.errors:
        list_errors(rows, args.region)
        return
    started = time.perf_counter()
    model = fit_unit_model([row for row in rows if row["aside"] != "1"])
    print(
        f"unit-kind model fitted on the {sum(row['aside'] != '1' for row in rows)} rows outside the aside "
        f"fifth in {time.perf_counter() - started:.0f} s; LEARNT_WEIGHT {LEARNT_WEIGHT}"
    )
    aside = [row for row in rows if row["aside"] == "1"]
    parts = [
        ("aside of rows 1-350", [row for row in aside if row["number"] <= 350]),
        ("aside of rows 351-408", [row for row in aside if 350 < row["number"] <= 408]),
        ("aside of rows 409-623", [row for row in aside if row["number"] > 408]),
        ("all aside rows", aside),
    ]
    learnt = learnt_answers(model, [row["text"] for row in aside])
    started = time.perf_counter()
    before, after = route_all(aside, args.region), route_all(aside, args.region, learnt)
    elapsed = time.perf_counter() - started
    for name, chosen in parts:
        numbers = {row["number"] for row in chosen}
        own = [i for i, row in enumerate(aside) if row["number"] in numbers]
        print(
            f"{name}: catalogue {figures(chosen, [before[i] for i in own])}; "
            f"+ learnt {figures(chosen, [after[i] for i in own])}"
        )
    sizes = Counter(len(kinds) for kinds in after)
    print(
        f"suggestions per row (+ learnt): mean {sum(len(k) for k in after) / len(after):.2f} "
        f"({', '.join(f'{n}: {sizes[n]}' for n in sorted(sizes))}); {2 * len(aside) / elapsed:.0f} rows/s"
    )
    learnt_personal = learnt_answers(model, [row["text"] + PERSONAL for row in aside])
    changed = [
        sum(1 for a, b in zip(plain, personal, strict=True) if a != b)
        for plain, personal in (
            (before, route_all(aside, args.region, extra=PERSONAL)),
            (after, route_all(aside, args.region, learnt_personal, extra=PERSONAL)),
        )
    ]
    print(
        f"aside rows whose suggestions change with an ID number and bank card added: catalogue "
        f"{changed[0]}/{len(aside)}, + learnt {changed[1]}/{len(aside)}"
    )
    missed = Counter(row["unit"] for row, kinds in zip(aside, after, strict=True) if row["unit"] not in kinds)
    print("aside rows missed in the top 3 (+ learnt), by labelled kind:", dict(missed.most_common()))


if __name__ == "__main__":
    main()
