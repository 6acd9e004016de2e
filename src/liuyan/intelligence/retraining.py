"""Retraining from the deployment's history (`train_classifier --from-history`): the shared labelled data
plus the handled (imported or routed) messages with the desk's corrections, scored on a held-out part of
the shared data before and after. The new model replaces the current one only when its held-out figure
is at least as good."""

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from sklearn.model_selection import train_test_split

from liuyan.directory.catalogue import DOMAIN_ALIASES
from liuyan.intelligence.classifier import TextClassifier, classifier_for, load_classifier, score
from liuyan.intelligence.textfeatures import LabelledTexts

HELD_OUT_SHARE = 0.2
HELD_OUT_SEED = 20260
# The figure that decides: the mean F1 over the labels, which a model better on the common labels only
# does not improve.
DECIDING_FIGURE = "macro_f1"
# Set in the metrics of a model fitted on rows that retraining may hold out (`train_classifier --references`
# refits on the aside rows once scored on them; `--file` fits on the whole file): scored on those rows it
# would look better than it is, and no retrained model could ever beat it.
HELD_OUT_IN_TRAINING = "held_out_in_training"


def domain_label(label: str) -> str:
    """A domain label as the Domain tree names it (the shared data's 交通运输 is 交通)."""
    return DOMAIN_ALIASES.get(label, label)


def held_out_split(texts: Sequence[str], labels: Sequence[str]) -> tuple[LabelledTexts, LabelledTexts]:
    """A labelled file without an `aside` column split into training rows and a held-out fifth, stratified
    by label and drawn with a fixed seed, so that every run holds out the same rows."""
    order = np.arange(len(texts))
    train, held = train_test_split(
        order, test_size=HELD_OUT_SHARE, random_state=HELD_OUT_SEED, stratify=list(labels)
    )
    pick = lambda rows: LabelledTexts(  # noqa: E731
        texts=[texts[i] for i in sorted(rows)], labels=[labels[i] for i in sorted(rows)]
    )
    return pick(train), pick(held)


def held_out_figures(model: TextClassifier, kind: str, held_out: LabelledTexts) -> dict:
    """`score` of the model's answers on the held-out rows (domain labels compared as the tree names
    them, whichever names the model was trained with)."""
    predicted = model.predict_labels(held_out.texts)
    if kind == "domain":
        truth = [domain_label(label) for label in held_out.labels]
        predicted = [domain_label(label) for label in predicted]
    else:
        truth = list(held_out.labels)
    return score(truth, predicted, sorted(set(truth)))


@dataclass
class Retraining:
    """What retraining from history did: the figures before (the current model, None without one) and
    after (the new model) on the same held-out rows, the sizes, and whether the new model was made current."""

    kind: str
    shared_rows: int
    history_rows: int
    held_out_rows: int
    before: dict | None
    after: dict
    replaced: bool
    model: TextClassifier
    version_before: str = ""
    history_labels: dict[str, int] = field(default_factory=dict)
    # Where `before` comes from: "held_out" (the current model scored on the held-out rows), "recorded"
    # (the held-out figures it recorded before it was refitted on them), "cross_validation" (its
    # cross-validation when it was trained), "" (no model, or nothing it can fairly be compared by).
    before_source: str = ""


def current_figures(
    current: TextClassifier | None, kind: str, held_out: LabelledTexts
) -> tuple[dict | None, str]:
    """The figures a new model must match, and their source (see `Retraining.before_source`): the current
    model scored on the held-out rows, unless it was fitted on rows that may be among them; then the
    figures it recorded when it was trained, measured on rows it had not seen."""
    if current is None:
        return None, ""
    if not current.metrics.get(HELD_OUT_IN_TRAINING):
        return held_out_figures(current, kind, held_out), "held_out"
    if "held_out" in current.metrics:
        return current.metrics["held_out"], "recorded"
    if DECIDING_FIGURE in current.metrics:
        return _summary(current.metrics), "cross_validation"
    return None, ""


def retrain(
    kind: str,
    shared: LabelledTexts,
    held_out: LabelledTexts,
    history_texts: Sequence[str],
    history_labels: Sequence[str],
    unlabeled: Sequence[str] = (),
) -> Retraining:
    """Fit a `kind` model on the shared training rows plus the history, score it and the current model on
    `held_out`, and save the new one as current unless it scores worse (DECIDING_FIGURE)."""
    normalise = domain_label if kind == "domain" else str
    texts = list(shared.texts) + list(history_texts)
    labels = [normalise(label) for label in [*shared.labels, *history_labels]]
    current = load_classifier(kind)
    before, before_source = current_figures(current, kind, held_out)
    model = classifier_for(kind).fit(texts, labels, unlabeled)
    after = held_out_figures(model, kind, held_out)
    replaced = before is None or after[DECIDING_FIGURE] >= before[DECIDING_FIGURE]
    if replaced:
        metrics = {"method": "held-out fifth of the shared data", "held_out": after, **_summary(after)}
        metrics["history_rows"] = len(history_texts)
        model.save(kind, metrics=metrics)
    counts: dict[str, int] = {}
    for label in history_labels:
        counts[normalise(label)] = counts.get(normalise(label), 0) + 1
    return Retraining(
        kind=kind,
        shared_rows=len(shared.texts),
        history_rows=len(history_texts),
        held_out_rows=len(held_out.texts),
        before=before,
        after=after,
        replaced=replaced,
        model=model,
        version_before=current.version if current is not None else "",
        history_labels=counts,
        before_source=before_source,
    )


def _summary(figures: dict) -> dict:
    return {"macro_f1": figures["macro_f1"], "accuracy": figures["accuracy"]}
