"""Learning curve of the domain and type classifiers as the desk's corrected history grows: the held-out
macro-F1 when a deployment starts from part of the labelled data and its history adds the rest in steps.

    .venv/bin/python bench/learning_curve.py [--kinds domain type] [--steps 5] [--start 0.2]

For each kind, the labelled rows are split as `train_classifier --from-history` splits them: domains are
taidi2020/train_domains.csv with a fixed, stratified fifth held out (retraining.held_out_split); types are
tests/intelligence/labels/types.csv, whose aside rows are the held-out part. Of the training rows, a
stratified `--start` share stands for the shared data a deployment starts with; the others stand for
messages whose labels the desk has set or corrected, added in `--steps` equal parts (each step keeps the
previous ones). Each point fits the model `retraining.retrain` fits (classifier_for(kind)) on the start
rows plus the history so far and scores it on the held-out rows. No database: the history is the labelled
rows themselves, as `corrections.history_examples` would hand them to retraining.
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liuyan.settings")
DATA = Path(os.environ.get("LIUYAN_SHARED_DATA", ROOT.parent / "shared" / "data")) / "taidi2020"
TYPE_LABELS = ROOT / "tests" / "intelligence" / "labels" / "types.csv"
SEED = 7


def labelled_sets(kind: str):
    from liuyan.intelligence.retraining import domain_label, held_out_split
    from liuyan.intelligence.textfeatures import read_labelled, read_references

    if kind == "domain":
        data = read_labelled(DATA / "train_domains.csv", "text", "label")
        labels = [domain_label(label) for label in data.labels]
        return held_out_split(data.texts, labels)
    return read_references(TYPE_LABELS, DATA, "type")


def curve(kind: str, steps: int, start: float) -> None:
    import numpy as np
    from sklearn.model_selection import train_test_split

    from liuyan.intelligence.classifier import classifier_for
    from liuyan.intelligence.retraining import held_out_figures

    training, held_out = labelled_sets(kind)
    order = np.arange(len(training.texts))
    base, pool = train_test_split(order, train_size=start, random_state=SEED, stratify=training.labels)
    rng = np.random.default_rng(SEED)
    pool = rng.permutation(pool)
    print(
        f"\n{kind}: {len(training.texts)} training rows ({len(base)} to start with, {len(pool)} as history), "
        f"{len(held_out.texts)} held out"
    )
    header = f"{'history rows':>12} {'training rows':>13} {'macro-F1':>8} {'accuracy':>8} {'fit s':>6}"
    print(f"{header}  lowest recall")
    for step in range(steps + 1):
        used = np.concatenate([base, pool[: round(len(pool) * step / steps)]])
        texts = [training.texts[i] for i in used]
        labels = [training.labels[i] for i in used]
        started = time.perf_counter()
        model = classifier_for(kind).fit(texts, labels)
        seconds = time.perf_counter() - started
        figures = held_out_figures(model, kind, held_out)
        lowest = min(figures["labels"].items(), key=lambda item: item[1]["recall"])
        print(
            f"{len(used) - len(base):>12} {len(used):>13} {figures['macro_f1']:>8.4f} "
            f"{figures['accuracy']:>8.4f} {seconds:>6.1f}  {lowest[0]} {lowest[1]['recall']:.2f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kinds", nargs="+", default=["domain", "type"], choices=["domain", "type"])
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--start", type=float, default=0.2, help="share of the training rows to start with")
    args = parser.parse_args()
    import django

    django.setup()
    for kind in args.kinds:
        curve(kind, args.steps, args.start)


if __name__ == "__main__":
    main()
