"""Message types (建言 投诉 求助 咨询 感谢) on real messages, on the aside fifth of a labelled set.

The set, tests/intelligence/labels/types.csv, holds references to messages of the shared files (read from
../shared/data/taidi2020 or LIUYAN_SHARED_DATA). Models are trained on its rows with aside 0 and scored on
the rows with aside 1 (all of them, and those of the first 828 rows: the set as first labelled, so that
figures stay comparable as rows are added): macro-F1, accuracy and per-type recall of
- the type model as trained now (`classifier_for("type")`: the text's character n-grams, the title's,
  and the type cues);
- the same n-grams without the title block and the cues (what those add);
- with --demo-database: today's recipe, the model `make run` trained before this set existed
  (`train_classifier --kind type --from-db` on the demo's handled messages, read from its SQLite file).
Then the domain model's held-out figure as bench/classify.py measures it (5-fold stratified CV on
train_domains.csv, unlabelled texts in the vocabulary), which must not fall (--no-domain: skip it).

    .venv/bin/python bench/message_types.py [--demo-database var/liuyan.sqlite3] [--no-domain]
"""

import os

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_name] = "1"

import argparse  # noqa: E402
import csv  # noqa: E402
import sqlite3  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import django  # noqa: E402
import numpy as np  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liuyan.settings")
os.environ.setdefault("LIUYAN_VAR_DIR", tempfile.mkdtemp(prefix="liuyan-bench-types-"))
django.setup()

from liuyan.intelligence.classifier import (  # noqa: E402
    TextClassifier,
    classifier_for,
    cross_validate,
    score,
)
from liuyan.intelligence.textfeatures import read_labelled, read_references, read_unlabelled  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("LIUYAN_SHARED_DATA", ROOT.parent / "shared" / "data")) / "taidi2020"
LABELS = ROOT / "tests" / "intelligence" / "labels" / "types.csv"
UNLABELED_FILES = ["hot_messages.csv", "replied_messages.csv", "unlabeled_messages.csv"]
TYPES = ["suggestion", "complaint", "help", "inquiry", "thanks"]
FIRST_ROWS = 828  # the rows of types.csv as first labelled (166 of them aside)
# The states train_classifier --from-db learns from (its HANDLED_STATES), as stored.
HANDLED = ("assigned", "in_progress", "reply_review", "replied", "closed")


def first_aside() -> list[bool]:
    """For each aside row of the set, in file order: whether it is one of the first FIRST_ROWS rows."""
    with LABELS.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [number < FIRST_ROWS for number, row in enumerate(rows) if row["aside"].strip() == "1"]


def report(name: str, model, texts: list[str], labels: list[str], first: list[bool] | None = None) -> None:
    started = time.perf_counter()
    predicted = model.predict_labels(texts)
    elapsed = time.perf_counter() - started
    print(f"{name}: ({len(texts) / elapsed:.0f} predictions/s)")
    parts = [("all aside", predicted, labels)]
    if first is not None:
        parts.append(
            (
                f"aside of the first {FIRST_ROWS} rows",
                [p for p, keep in zip(predicted, first, strict=True) if keep],
                [label for label, keep in zip(labels, first, strict=True) if keep],
            )
        )
    for part, guessed, true in parts:
        result = score(true, guessed, TYPES)
        recalls = "  ".join(f"{label} {result['labels'][label]['recall']:.2f}" for label in TYPES)
        print(f"  {part} ({len(true)}): macro-F1 {result['macro_f1']:.4f}  accuracy {result['accuracy']:.4f}")
        print(f"    recall: {recalls}")
        print(f"    predicted: { {label: guessed.count(label) for label in TYPES} }", flush=True)


def demo_messages(path: Path) -> tuple[list[str], list[str]]:
    """(title + body, type code) of the handled, visible, unmerged messages of a demo deployment."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
        rows = connection.execute(
            "SELECT m.title, m.body, t.code FROM board_message m "
            "JOIN directory_messagetype t ON t.id = m.message_type_id "
            f"WHERE m.state IN ({','.join('?' * len(HANDLED))}) AND NOT m.hidden "
            "AND m.merged_into_id IS NULL "
            "ORDER BY m.id",
            HANDLED,
        ).fetchall()
    return [f"{title}\n{body}" for title, body, _code in rows], [code for _title, _body, code in rows]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demo-database", type=Path, help="a demo deployment's SQLite file (make run's)")
    parser.add_argument("--no-domain", action="store_true", help="leave out the domain model's figure")
    args = parser.parse_args()
    training, aside = read_references(LABELS, DATA)
    first = first_aside() if not training.skipped else None
    unlabeled = [text for name in UNLABELED_FILES for text in read_unlabelled(DATA / name)]
    print(
        f"labelled rows: {len(training.texts)} training, {len(aside.texts)} aside, skipped {training.skipped}"
    )
    for name, part in (("training", training), ("aside", aside)):
        print(f"  {name}: " + ", ".join(f"{label} {part.labels.count(label)}" for label in TYPES))
    started = time.perf_counter()
    ours = classifier_for("type").fit(training.texts, training.labels, unlabeled)
    print(f"type model trained in {time.perf_counter() - started:.1f} s")
    report("type model (n-grams + title n-grams + cues)", ours, aside.texts, aside.labels, first)
    plain = TextClassifier().fit(training.texts, training.labels, unlabeled)
    report("n-grams only, same labelled rows", plain, aside.texts, aside.labels, first)
    if args.demo_database:
        texts, labels = demo_messages(args.demo_database)
        counts = {label: labels.count(label) for label in TYPES}
        print(f"demo handled messages: {len(texts)} {counts}")
        today = TextClassifier().fit(texts, labels)
        report("today's recipe (demo handled messages)", today, aside.texts, aside.labels, first)
    if not args.no_domain:
        domains = read_labelled(DATA / "train_domains.csv")
        started = time.perf_counter()
        result = cross_validate(domains.texts, np.asarray(domains.labels), unlabeled, kind="domain")
        folds = ", ".join(f"{fold['macro_f1']:.3f}" for fold in result["folds"])
        print(
            f"domain model, {result['method']} on train_domains.csv ({len(domains.texts)} rows): "
            f"macro-F1 {result['macro_f1']:.4f} ({folds}), accuracy {result['accuracy']:.4f}, "
            f"{time.perf_counter() - started:.0f} s"
        )


if __name__ == "__main__":
    main()
