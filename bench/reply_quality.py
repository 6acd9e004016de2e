"""Reply quality against people's judgement: the labelled replies of
tests/intelligence/labels/reply_quality.csv (taidi2020/replied_messages.csv rows read and graded by a person).

    .venv/bin/python bench/reply_quality.py          # ROC AUC on the aside fifth; the score over all 2,785
    .venv/bin/python bench/reply_quality.py --fit    # refit the weights on the other rows, rewrite the model

Prints, on the rows set aside (never fitted on) of each labelling batch and of all batches, the ROC AUC of the
score, of the reply's length alone and of the previous rule-based score (read from git history at OLD_SCORER
when git has it), then the score's quantiles over the labelled replies, its distribution over the whole file
and the rate. `--fit` fits a logistic regression to the rows not set aside, prints its cross-validated AUC
beside length's on those rows and the cross-validated AUC of each way lateness could enter the score (none,
the earlier fixed penalty, a fitted measure), and writes intelligence/reply_quality_model.py. No database.
"""

import argparse
import csv
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liuyan.settings")
DATA = Path(os.environ.get("LIUYAN_SHARED_DATA", ROOT.parent / "shared" / "data")) / "taidi2020"
LABELS = ROOT / "tests" / "intelligence" / "labels" / "reply_quality.csv"
MODEL = ROOT / "src" / "liuyan" / "intelligence" / "reply_quality_model.py"
# The measures the model weighs (names of reply_quality.measures) and its regularisation.
FEATURES = [
    "new_content",
    "unanswered",
    "perfunctory",
    "sends_elsewhere",
    "promise_only",
    "no_result",
    "asks",
    "message_length",
]
# Regularisation: chosen by cross-validation on the rows not set aside (with 792 rows C = 1, 3 and 10 within
# 0.001; 1 kept).
C = 1.0
# The labelled batches, by their last row: the aside rows of each are reported apart (54, 44, 50 and 50).
BATCHES = {"first batch": 270, "second batch": 490, "third batch": 740, "fourth batch": 990}
# The fixed lateness rule the score carried until the fourth batch: points off beyond 30 and 90 days.
EARLIER_LATENESS = ((90, 10), (30, 5))
# The last commit with the rule-based scorer this model replaced.
OLD_SCORER = "3cd05de:src/liuyan/intelligence/reply_quality.py"


def labelled_rows() -> list[tuple[dict, dict]]:
    """(label row, data row) for each labelled reply, in the labels' order."""
    with open(DATA / "replied_messages.csv", encoding="utf-8-sig", newline="") as handle:
        rows = {row["留言编号"].strip(): row for row in csv.DictReader(handle)}
    with open(LABELS, encoding="utf-8", newline="") as handle:
        return [(label, rows[label["留言编号"]]) for label in csv.DictReader(handle)]


def fit(pairs) -> None:
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import RepeatedStratifiedKFold

    from liuyan.core.times import parse_timestamp
    from liuyan.intelligence.reply_quality import TIMELY_DAYS, VERY_LATE_DAYS, model_inputs

    train = [(label, row) for label, row in pairs if label["aside"] == "0"]
    inputs = [model_inputs(row["留言主题"], row["留言详情"], row["答复意见"]) for _label, row in train]
    x = np.array([[values[name] for name in FEATURES] for values in inputs])
    y = np.array([int(label["good"]) for label, _row in train])
    length = np.array([len(row["答复意见"]) for _label, row in train])
    folds = RepeatedStratifiedKFold(n_splits=5, n_repeats=10, random_state=0)
    model_auc, length_auc = [], []
    for fold_train, fold_test in folds.split(x, y):
        fitted = LogisticRegression(C=C, max_iter=5000).fit(x[fold_train], y[fold_train])
        model_auc.append(roc_auc_score(y[fold_test], fitted.decision_function(x[fold_test])))
        length_auc.append(roc_auc_score(y[fold_test], length[fold_test]))
    print(f"{len(train)} rows fitted ({y.sum()} good); 5-fold CV ×10 on them:")
    print(f"  ROC AUC of the model {np.mean(model_auc):.3f} ± {np.std(model_auc):.3f}")
    print(f"  ROC AUC of length    {np.mean(length_auc):.3f} ± {np.std(length_auc):.3f}")

    # Lateness: left out of the score, the earlier fixed penalty, or fitted as a measure beside the others.
    def days(row):
        asked, replied = parse_timestamp(row["留言时间"]), parse_timestamp(row["答复时间"])
        return max(0, (replied - asked).days) if asked and replied else 0

    late = np.array([days(row) for _label, row in train], dtype=float)
    penalty = np.array([next((points for limit, points in EARLIER_LATENESS if d > limit), 0) for d in late])
    fitted_measures = {
        "days beyond 15 (log)": np.log1p(np.maximum(0, late - TIMELY_DAYS)),
        "beyond 90 days": (late > VERY_LATE_DAYS).astype(float),
    }
    variants = {"none (the score)": []}
    for fold_train, fold_test in folds.split(x, y):
        fitted = LogisticRegression(C=C, max_iter=5000).fit(x[fold_train], y[fold_train])
        score = np.round(100 * fitted.predict_proba(x[fold_test])[:, 1])
        variants["none (the score)"].append(roc_auc_score(y[fold_test], score))
        variants.setdefault("the earlier fixed penalty", []).append(
            roc_auc_score(y[fold_test], np.clip(score - penalty[fold_test], 0, 100))
        )
        for name, measure in fitted_measures.items():
            wider = np.column_stack([x, measure])
            fitted = LogisticRegression(C=C, max_iter=5000).fit(wider[fold_train], y[fold_train])
            score = np.round(100 * fitted.predict_proba(wider[fold_test])[:, 1])
            variants.setdefault(f"fitted: {name}", []).append(roc_auc_score(y[fold_test], score))
    print("  lateness in the score (same folds), ROC AUC of the 0–100 score:")
    for name, aucs in variants.items():
        better = sum(a > b for a, b in zip(aucs, variants["none (the score)"], strict=True))
        compared = f" (better than none in {better} of {len(aucs)} folds)" if better or name[0] != "n" else ""
        print(f"    {name:32s} {np.mean(aucs):.4f}{compared}")
    fitted = LogisticRegression(C=C, max_iter=5000).fit(x, y)
    weights = {name: round(float(w), 4) for name, w in zip(FEATURES, fitted.coef_[0], strict=True)}
    means = {name: round(float(m), 4) for name, m in zip(FEATURES, x.mean(axis=0), strict=True)}
    text = MODEL.read_text(encoding="utf-8")
    header = text[: text.index("INTERCEPT")]
    MODEL.write_text(
        header
        + f"INTERCEPT = {round(float(fitted.intercept_[0]), 4)}\n"
        + "WEIGHTS: dict[str, float] = {\n"
        + "".join(f'    "{name}": {value},\n' for name, value in weights.items())
        + "}\nMEANS: dict[str, float] = {\n"
        + "".join(f'    "{name}": {value},\n' for name, value in means.items())
        + "}\n",
        encoding="utf-8",
    )
    print(f"weights written to {MODEL.relative_to(ROOT)}:")
    for name, weight in weights.items():
        print(f"  {name:20s} {weight:+.2f}")


def old_scorer():
    """The rule-based score_reply of OLD_SCORER, or None when git cannot show it."""
    try:
        source = subprocess.run(
            ["git", "show", OLD_SCORER], cwd=ROOT, capture_output=True, check=True, text=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    path = Path(tempfile.mkdtemp()) / "old_reply_quality.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("old_reply_quality", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.score_reply


def evaluate(pairs) -> None:
    from sklearn.metrics import roc_auc_score

    from liuyan.core.times import parse_timestamp
    from liuyan.intelligence.reply_quality import score_reply

    def scored(row, scorer):
        return scorer(
            row["留言详情"],
            row["答复意见"],
            message_title=row["留言主题"],
            asked_at=parse_timestamp(row["留言时间"]),
            replied_at=parse_timestamp(row["答复时间"]),
        ).score

    previous = old_scorer()
    first, second, third, _fourth = BATCHES.values()
    for batch, chosen in (
        ("first batch's aside rows", pairs[:first]),
        ("first and second batches' aside rows", pairs[:second]),
        ("third batch's aside rows", pairs[second:third]),
        ("first three batches' aside rows", pairs[:third]),
        ("fourth batch's aside rows", pairs[third:]),
        ("all aside rows", pairs),
    ):
        aside = [(label, row) for label, row in chosen if label["aside"] == "1"]
        good = [int(label["good"]) for label, _row in aside]
        figures = {
            "the score": [scored(row, score_reply) for _label, row in aside],
            "the reply's length": [len(row["答复意见"]) for _label, row in aside],
        }
        if previous is not None:
            figures["the previous score"] = [scored(row, previous) for _label, row in aside]
        print(f"{batch}: {len(aside)} labelled replies, {sum(good)} good; ROC AUC of")
        for name, values in figures.items():
            print(f"  {name:38s} {roc_auc_score(good, values):.3f}")
        if previous is None:
            print("  (the previous score: git history not available)")

    labelled = [scored(row, score_reply) for _label, row in pairs]
    quantiles = statistics.quantiles(labelled, n=20, method="inclusive")
    print(
        f"\nthe score over the {len(pairs)} labelled replies: min {min(labelled)}, "
        + ", ".join(f"p{5 * (i + 1)} {q:.0f}" for i, q in enumerate(quantiles) if i % 2 == 1 or i == 0)
        + f", max {max(labelled)}"
    )

    with open(DATA / "replied_messages.csv", encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    started = time.perf_counter()
    scores = [scored(row, score_reply) for row in rows]
    elapsed = time.perf_counter() - started
    print(
        f"\n{len(rows)} replies of replied_messages.csv in {elapsed:.1f} s: {len(rows) / elapsed:.0f} rows/s"
    )
    for low in range(0, 100, 10):
        count = sum(1 for s in scores if low <= s < low + 10 or (low == 90 and s == 100))
        print(f"  {low:3d}–{low + 9 if low < 90 else 100:3d} {count:5d} {'#' * (count // 20)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fit", action="store_true", help="refit the weights and rewrite the model module")
    options = parser.parse_args()
    import django
    import jieba

    django.setup()
    jieba.setLogLevel(60)
    jieba.initialize()
    pairs = labelled_rows()
    if options.fit:
        fit(pairs)
    else:
        evaluate(pairs)


if __name__ == "__main__":
    main()
