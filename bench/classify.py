"""Domain classification on train_domains.csv: 5-fold stratified CV of the production classifier (with the
unlabelled messages of the other files as unsupervised data) beside a plain character n-gram TF-IDF +
LinearSVC baseline on the same folds; training time, predictions per second on one core, model file size.
With --curve, instead: the learning curve, the production classifier trained on stratified fractions of each
training fold and scored on the whole test fold (how macro-F1 grows with the number of labelled rows).

    .venv/bin/python bench/classify.py [--no-unlabeled] [--folds 5] [--curve 0.25,0.5,1]
"""

import os

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_name] = "1"

import argparse  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import django  # noqa: E402
import numpy as np  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liuyan.settings")
os.environ.setdefault("LIUYAN_VAR_DIR", tempfile.mkdtemp(prefix="liuyan-bench-classify-"))
django.setup()

from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.metrics import accuracy_score, f1_score  # noqa: E402
from sklearn.model_selection import StratifiedKFold, train_test_split  # noqa: E402
from sklearn.svm import LinearSVC  # noqa: E402

from liuyan.intelligence.classifier import TextClassifier  # noqa: E402
from liuyan.intelligence.textfeatures import read_labelled, read_unlabelled  # noqa: E402

DATA = Path(os.environ.get("LIUYAN_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
UNLABELED_FILES = ["hot_messages.csv", "replied_messages.csv", "unlabeled_messages.csv"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--no-unlabeled", action="store_true", help="train on the labelled texts only")
    parser.add_argument(
        "--curve", metavar="FRACTIONS", help="learning curve over these fractions of each training fold"
    )
    args = parser.parse_args()
    data = read_labelled(DATA / "taidi2020" / "train_domains.csv")
    texts, labels = data.texts, np.asarray(data.labels)
    unlabeled = (
        []
        if args.no_unlabeled
        else [t for f in UNLABELED_FILES for t in read_unlabelled(DATA / "taidi2020" / f)]
    )
    print(f"labelled rows: {len(texts)} ({len(set(labels))} labels), rows skipped: {len(data.skipped)}")
    for line, reason in data.skipped:
        print(f"  line {line}: {reason}")
    print(f"unlabelled texts: {len(unlabeled)}")
    splitter = StratifiedKFold(args.folds, shuffle=True, random_state=42)
    if args.curve:
        learning_curve(texts, labels, unlabeled, splitter, [float(f) for f in args.curve.split(",")])
        return
    ours, base, train_seconds, rates = [], [], [], []
    model = None
    for fold, (train, test) in enumerate(splitter.split(texts, labels), start=1):
        train_texts, test_texts = [texts[i] for i in train], [texts[i] for i in test]
        started = time.perf_counter()
        model = TextClassifier().fit(train_texts, labels[train], unlabeled)
        train_seconds.append(time.perf_counter() - started)
        started = time.perf_counter()
        predicted = [p.label for p in model.predict(test_texts)]
        rates.append(len(test_texts) / (time.perf_counter() - started))
        ours.append(
            (f1_score(labels[test], predicted, average="macro"), accuracy_score(labels[test], predicted))
        )
        vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=2)
        baseline = LinearSVC().fit(vectorizer.fit_transform(train_texts), labels[train])
        predicted = baseline.predict(vectorizer.transform(test_texts))
        base.append(
            (f1_score(labels[test], predicted, average="macro"), accuracy_score(labels[test], predicted))
        )
        print(
            f"fold {fold}: ours macro-F1 {ours[-1][0]:.4f} acc {ours[-1][1]:.4f} | "
            f"baseline macro-F1 {base[-1][0]:.4f} acc {base[-1][1]:.4f} | "
            f"train {train_seconds[-1]:.1f}s, {rates[-1]:.0f} predictions/s",
            flush=True,
        )
    for name, results in (("ours", ours), ("baseline", base)):
        f1s, accuracies = zip(*results, strict=True)
        print(f"mean {name}: macro-F1 {np.mean(f1s):.4f}  accuracy {np.mean(accuracies):.4f}")
    print(f"training seconds per fold: {np.mean(train_seconds):.1f}")
    one_by_one = texts[:300]
    started = time.perf_counter()
    for text in one_by_one:
        model.predict([text])
    single = len(one_by_one) / (time.perf_counter() - started)
    print(f"predictions/s on one core: batch {np.mean(rates):.0f}, one text per call {single:.0f}")
    with tempfile.TemporaryDirectory() as directory:
        path = model.save("domain", directory=Path(directory))
        print(f"model file: {path.stat().st_size / 1e6:.1f} MB")
    sys.stdout.flush()


def learning_curve(texts, labels, unlabeled, splitter, fractions: list[float]) -> None:
    for fraction in fractions:
        scores, sizes = [], []
        for fold, (train, test) in enumerate(splitter.split(texts, labels)):
            if fraction < 1:
                train, _ = train_test_split(
                    train, train_size=fraction, stratify=labels[train], random_state=fold
                )
            model = TextClassifier().fit([texts[i] for i in train], labels[train], unlabeled)
            predicted = model.predict_labels([texts[i] for i in test])
            scores.append(f1_score(labels[test], predicted, average="macro"))
            sizes.append(len(train))
        print(
            f"{fraction:.0%} of each training fold ({int(np.mean(sizes))} labelled rows): "
            f"macro-F1 {np.mean(scores):.4f} ({', '.join(f'{s:.3f}' for s in scores)})",
            flush=True,
        )


if __name__ == "__main__":
    main()
