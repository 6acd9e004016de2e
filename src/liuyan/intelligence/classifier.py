"""Domain (领域), message-type (类型) and unit-kind classifiers: trained from a file or the deployment's own
messages, saved as versioned files, loaded once per process. The unit-kind model says which kind of unit
should handle a message (a department key of the routing catalogue: education, housing …, or government);
the routing blends it with the catalogue's lines (intelligence/routing.py).

The model: character 1–3-gram TF-IDF (sublinear tf; vocabulary and IDF fitted on the labelled texts and any
unlabelled ones, so that words only the unlabelled messages use still get a sensible weight) feeding two
linear models whose probabilities are averaged:
- a linear SVM, with probabilities from Platt scaling fitted on out-of-fold decisions (CalibratedClassifierCV,
  sigmoid, ensemble=False: one SVM trained on all the data);
- NB-LR (Wang & Manning 2012): per label, the TF-IDF vector scaled by the naive-Bayes log-count ratio of that
  label against the others, L2-normalised, and a one-vs-rest logistic regression; its per-label
  probabilities are normalised to sum to 1.
On train_domains.csv (5-fold CV, bench/classify.py) the pair scores about +0.005 macro-F1 over the SVM alone.
No word segmentation: jieba would be the slowest step at prediction time and, measured on train_domains.csv,
adds little over character bigrams and trigrams. Measured and left out: self-training on pseudo-labelled
unlabelled messages (worse: they span more domains than the labelled ones), an LSA block (char: +0.007 but a
90 MB model; jieba words, 200 dims: worse), jieba word 1–2-grams beside the characters, character 1–4-grams,
ComplementNB, and stripping greetings/addressees (it cut titles and lost several points); also (measured
with helpers, none reached 0.90): kNN smoothing of the TF-IDF rows over the unlabelled texts (+0.009 with
k and β chosen by inner cross-validation, 0.881; but 160–370 predictions/s and a 100 MB pool), per-label
biases tuned by inner cross-validation (+0.002, noisy), stacking, Word2Vec/Doc2Vec/fastText features trained
here, NB-EM; the taxonomy's level-2/3 names as extra labelled texts (+0.004, within the folds' noise),
self-training on the in-distribution unlabelled file only (worse), replies' department names as distant
labels (worse), the opening characters weighted twice (worse); then averaging in the mean probabilities of
the nearest labelled and unlabelled texts (at best +0.006, with the setting picked on the test folds), an
LSA block beside the n-grams (no gain), dropping training texts a cross-validated SVM contradicts (no gain),
and a jieba word-level SVM averaged in (worse). What does move macro-F1 is labelled data: trained on 25 %,
50 % and all of each training fold (368, 736, 1,473 rows) it scores 0.80, 0.84 and 0.87
(`bench/classify.py --curve`), about +0.035 per doubling; 0.90 needs about twice the labelled rows.

Every text is read with personal data masked (`masking.mask_personal_data`: phone, ID and bank card numbers,
e-mails, door addresses become placeholders), in training as in prediction: a bank card must not make a
message look like one about 金融. The type model (`cues=True`) reads two more blocks beside the n-grams:
the title's own character n-grams, and `textfeatures.type_cues` (question forms, 建议/希望, 感谢/点赞,
投诉/举报, 求助/恳请 words, the party named and the writer's household, and where they stand), each scaled
down so the body's n-grams still lead. Its vocabulary is fitted on its labelled texts only: with the shared
files' unlabelled texts in it, 5-fold CV on the training rows of labels/types.csv scored lower (macro-F1
0.742 against 0.758 with the first cues, 0.747 against 0.756 with the present ones), and training took 20
times longer.

The unit-kind model (`letters_only`) counts its n-grams in the letters and digits of the text alone, the
placeholders left out: the punctuation and line breaks left where personal data was dropped (…开户行：
〔卡号〕。 → 。) then leave its answer exactly as it was. 5-fold CV of the routing on the training rows of
labels/routing.csv (bench/routing.py --cv) scored it a little above the model reading punctuation (top-1
71.9% against 70.7% at their best blend); in a quicker approximation of that CV the title block with
the type cues did no better, and adding to its 499 labelled rows the 1,197 train_domains.csv rows whose
domain names one kind of unit (教育文体 → education, 卫生计生 → health, 环境保护 → ecology, 劳动和社会保障 →
hrss, 交通运输 → transport) made the routing worse at every blend (top-3 at best 92.6% against 94.0%), so
it learns from the routing labels (and a deployment's assignments, `--from-db`) only.

Prediction runs on arrays only: the fitted vectorizer is compiled into `CharNgramTfidf` (numpy n-gram
counting, about 6 times faster than the vectorizer's Python loop) and the calibrated SVM into its weights
and Platt coefficients, so a call costs the arithmetic rather than scikit-learn's input checks.

Files: `<LIUYAN_MODEL_DIR>/<kind>-<YYYYmmdd-HHMM>.joblib` with its metadata beside it in `.json`, and
`<kind>.current` naming the version in use. The metadata is read before the model is unpickled, so a file
written by another scikit-learn major.minor is refused with a clear message rather than half-loaded.
"""

import json
import logging
import os
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import joblib
import numpy as np
import sklearn
from django.conf import settings
from django.utils import timezone
from scipy import sparse
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, confusion_matrix, precision_recall_fscore_support
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC

from liuyan.core.text import normalise_text
from liuyan.intelligence.charngrams import CharNgramTfidf
from liuyan.intelligence.clustering import tokens
from liuyan.intelligence.masking import drop_personal_data, mask_personal_data
from liuyan.intelligence.textfeatures import LabelledTexts, type_cues

logger = logging.getLogger(__name__)

KINDS = ("domain", "type", "unit")
FORMAT = 6  # 6: `letters_only` (the unit-kind model)
MIN_EXAMPLES = 20  # fewer labelled texts than this make no useful model
MIN_PER_LABEL = 2  # calibration needs each label in more than one fold
RECHECK_SECONDS = 30  # how often a process looks for a newer current model
# The weights of the type model's title n-grams and cues beside the whole text's n-grams (each block's rows
# have norm at most about 1), chosen by cross-validation on the training part of the labelled types.
TITLE_WEIGHT = 0.5
CUE_WEIGHT = 0.3


@dataclass(frozen=True)
class Prediction:
    """A classifier's answer for one text: the best label, its probability, and the three best."""

    label: str
    confidence: float
    top3: list[tuple[str, float]]


class ClassifierError(Exception):
    """Training data or a model file that cannot be used; the message says why, in Chinese."""


class TextClassifier:
    """Character n-gram TF-IDF features (with `cues`: the title's n-grams and the type cues too); the average
    of a calibrated linear SVM and NB-LR."""

    def __init__(
        self,
        *,
        cues: bool = False,
        letters_only: bool = False,
        max_features: int = 200_000,
        svm_c: float = 1.0,
        nblr_c: float = 10.0,
        random_state: int = 0,
    ):
        self.max_features = max_features
        self.svm_c = svm_c
        self.nblr_c = nblr_c
        self.random_state = random_state
        self.cues = cues
        # Read letters and digits only: the punctuation and line breaks left where personal data was dropped
        # (…开户行：〔卡号〕。 → 。) then change nothing.
        self.letters_only = letters_only
        # The unlabelled texts given to `fit` join the vocabulary unless the model reads the type cues.
        self.use_unlabeled = not cues
        self.labels: list[str] = []
        # Metadata, filled by `save`.
        self.kind = ""
        self.version = ""
        self.trained_at = ""
        self.n_samples = 0
        self.metrics: dict = {}
        self.sklearn_version = sklearn.__version__

    def fit(
        self, texts: Sequence[str], labels: Sequence[str], unlabeled: Iterable[str] = ()
    ) -> "TextClassifier":
        masked = [mask_personal_data(text) for text in texts]
        extra = [mask_personal_data(text) for text in unlabeled] if self.use_unlabeled else []
        labels = np.asarray(labels)
        check_training_set(labels)
        min_df = 2 if len(masked) + len(extra) >= 200 else 1
        self._features = _fit_ngrams([self._flat(text) for text in masked + extra], min_df, self.max_features)
        if self.cues:
            self._title_features = _fit_ngrams([_title(text) for text in masked + extra], min_df, None)
        features = self._rows(masked)
        self._fit_svm(features, labels)
        self._fit_nblr(features, labels)
        self.n_samples = len(texts)
        return self

    def _flat(self, masked: str) -> str:
        """What the n-grams are counted in: the masked text width-folded, whitespace runs as one space (with
        `letters_only`: without the placeholders, letters and digits alone)."""
        if not self.letters_only:
            return normalise_text(masked, fold_width=True)
        return "".join(character for character in drop_personal_data(masked) if character.isalnum())

    def _rows(self, masked: Sequence[str]):
        """The feature rows of texts already masked."""
        features = self._features.transform([self._flat(text) for text in masked])
        if not self.cues:
            return features
        titles = self._title_features.transform([_title(text) for text in masked])
        cues = sparse.csr_matrix(np.asarray([type_cues(text) for text in masked], dtype=np.float32))
        return sparse.hstack(
            [features, titles * TITLE_WEIGHT, cues * CUE_WEIGHT], format="csr", dtype=np.float32
        )

    def _fit_svm(self, features, labels: np.ndarray) -> None:
        """The calibrated SVM, kept as its arrays: a call through CalibratedClassifierCV checks its input a
        dozen times, which cost more than the arithmetic when a single message is classified."""
        folds = min(3, int(np.unique(labels, return_counts=True)[1].min()))
        svm = LinearSVC(C=self.svm_c, class_weight="balanced", random_state=self.random_state)
        calibrated = CalibratedClassifierCV(svm, method="sigmoid", cv=folds, ensemble=False)
        calibrated.fit(features, labels)
        self.labels = [str(label) for label in calibrated.classes_]
        (fitted,) = calibrated.calibrated_classifiers_
        self._svm_weights = np.ascontiguousarray(fitted.estimator.coef_.T, dtype=np.float32)
        self._svm_intercepts = fitted.estimator.intercept_.astype(np.float32)
        self._platt = np.array([[c.a_, c.b_] for c in fitted.calibrators], dtype=np.float32).T

    def _svm_proba(self, features) -> np.ndarray:
        """As CalibratedClassifierCV.predict_proba: a sigmoid of each label's decision, normalised to sum
        to 1 (with two labels the one decision is the second label's)."""
        decisions = np.asarray(features @ self._svm_weights) + self._svm_intercepts
        probabilities = 1.0 / (1.0 + np.exp(self._platt[0] * decisions + self._platt[1]))
        if len(self.labels) == 2:
            return np.hstack([1.0 - probabilities, probabilities])
        totals = probabilities.sum(axis=1, keepdims=True)
        uniform = np.full_like(probabilities, 1.0 / len(self.labels))
        return np.divide(probabilities, totals, out=uniform, where=totals > 0)

    def _fit_nblr(self, features, labels: np.ndarray) -> None:
        """NB-LR, stored folded for speed: the decision for label k on TF-IDF row x is
        (x · weights_k) / sqrt(x² · ratios²_k) + intercept_k, weights_k being the regression's
        coefficients times the log-count ratios r_k (so no scaled copy of x is ever made)."""
        present = (features > 0).astype(np.float32)
        weights, squared_ratios, intercepts = [], [], []
        for label in self.labels:
            mine = labels == label
            inside = np.asarray(present[mine].sum(axis=0)).ravel() + 1.0
            outside = np.asarray(present[~mine].sum(axis=0)).ravel() + 1.0
            ratio = np.log((inside / inside.sum()) / (outside / outside.sum())).astype(np.float32)
            scaled = features.multiply(ratio).tocsr()
            norms = np.sqrt(np.asarray(scaled.multiply(scaled).sum(axis=1)).ravel())
            scaled = scaled.multiply(1.0 / np.maximum(norms, 1e-12)[:, None]).tocsr()
            regression = LogisticRegression(
                C=self.nblr_c, class_weight="balanced", max_iter=1000, random_state=self.random_state
            ).fit(scaled, mine.astype(int))
            weights.append(regression.coef_[0].astype(np.float32) * ratio)
            squared_ratios.append(ratio * ratio)
            intercepts.append(float(regression.intercept_[0]))
        self._nblr_weights = np.ascontiguousarray(np.vstack(weights).T)  # features × labels
        self._nblr_squared_ratios = np.ascontiguousarray(np.vstack(squared_ratios).T)
        self._nblr_intercepts = np.asarray(intercepts, dtype=np.float32)

    def _nblr_proba(self, features) -> np.ndarray:
        squared_norms = np.asarray(features.multiply(features) @ self._nblr_squared_ratios)
        norms = np.sqrt(np.maximum(squared_norms, 1e-24))
        decisions = np.asarray(features @ self._nblr_weights) / norms + self._nblr_intercepts
        probabilities = 1.0 / (1.0 + np.exp(-decisions))
        return probabilities / probabilities.sum(axis=1, keepdims=True)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """One row per text, one column per label (`self.labels`); each row sums to 1."""
        features = self._rows([mask_personal_data(text) for text in texts])
        return (self._svm_proba(features) + self._nblr_proba(features)) / 2

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        if not texts:
            return []
        predictions = []
        for row in self.predict_proba(texts):
            best = np.argsort(row)[::-1][:3]
            top3 = [(self.labels[i], float(row[i])) for i in best]
            predictions.append(Prediction(label=top3[0][0], confidence=top3[0][1], top3=top3))
        return predictions

    def predict_labels(self, texts: Sequence[str]) -> list[str]:
        probabilities = self.predict_proba(texts)
        return [self.labels[i] for i in probabilities.argmax(axis=1)]

    def weighed_words(self, text: str, label: str, limit: int = 3) -> list[str]:
        """The words of `text` (its content words, `clustering.tokens`) that weigh most for `label` in the
        linear SVM — a word weighs what its character n-grams add to the label's decision — heaviest
        first, only those for it and none inside another: what a reason can name."""
        masked = mask_personal_data(text)
        words = _content_words(masked)
        if not words:
            return []
        row = self._features.transform([self._flat(masked)])
        column, sign = self.labels.index(label), 1.0
        if self._svm_weights.shape[1] == 1:  # two labels: one decision, the second label's
            column, sign = 0, 1.0 if column == 1 else -1.0
        added = np.zeros(self._features.n_features, dtype=np.float32)
        added[row.indices] = row.data * self._svm_weights[row.indices, column] * sign
        inside = self._features.counts([self._flat(word) for word in words]) > 0
        weights = np.asarray(inside @ added).ravel()
        chosen: list[str] = []
        for i in np.argsort(-weights, kind="stable"):
            if weights[i] <= 0 or len(chosen) == limit:
                break
            if not any(words[i] in word or word in words[i] for word in chosen):  # 开发商, not 开发 too
                chosen.append(words[i])
        return chosen

    def metadata(self) -> dict:
        return {
            "format": FORMAT,
            "kind": self.kind,
            "version": self.version,
            "labels": self.labels,
            "trained_at": self.trained_at,
            "n_samples": self.n_samples,
            "metrics": self.metrics,
            "sklearn_version": self.sklearn_version,
        }

    def save(self, kind: str, *, directory: Path | None = None, metrics: dict | None = None) -> Path:
        """Write this model as a new version of `kind` and make it the current one; returns the file."""
        if kind not in KINDS:
            raise ClassifierError(f"未知的分类器类别：{kind}（可选 {'、'.join(KINDS)}）")
        directory = directory or model_dir()
        directory.mkdir(parents=True, exist_ok=True)
        now = timezone.localtime()
        base = f"{kind}-{now:%Y%m%d-%H%M}"
        version, n = base, 1
        while (directory / f"{version}.joblib").exists():
            n += 1
            version = f"{base}-{n}"
        self.kind, self.version, self.trained_at = kind, version, now.isoformat(timespec="seconds")
        self.metrics = metrics or {}
        self.sklearn_version = sklearn.__version__
        path = directory / f"{version}.joblib"
        joblib.dump(self, path, compress=3)
        _write_atomically(
            directory / f"{version}.json", json.dumps(self.metadata(), ensure_ascii=False, indent=2)
        )
        _write_atomically(directory / f"{kind}.current", version + "\n")
        with _lock:  # this process sees its own new model at once; others within RECHECK_SECONDS
            _loaded.pop(kind, None)
        return path


def classifier_for(kind: str) -> TextClassifier:
    """A new, untrained classifier as `kind` is trained: the type model reads the type cues, the unit-kind
    model letters and digits only."""
    return TextClassifier(cues=kind == "type", letters_only=kind == "unit")


def _fit_ngrams(texts: list[str], min_df: int, max_features: int | None) -> CharNgramTfidf:
    vectorizer = TfidfVectorizer(
        analyzer="char",
        ngram_range=(1, 3),
        sublinear_tf=True,
        min_df=min_df,
        max_features=max_features,
        dtype=np.float32,
    )
    return CharNgramTfidf(vectorizer.fit(texts))


@lru_cache(maxsize=256)  # a message's reasons ask for the words of each of its kinds
def _content_words(masked: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(tokens(masked)))


def _title(masked: str) -> str:
    return normalise_text(masked.partition("\n")[0], fold_width=True)


def check_training_set(labels: Sequence[str]) -> None:
    """Raise ClassifierError unless there are enough examples, labels, and examples of each label."""
    values, counts = np.unique(np.asarray(labels), return_counts=True)
    if len(labels) < MIN_EXAMPLES:
        raise ClassifierError(f"训练样本太少：{len(labels)} 条，至少需要 {MIN_EXAMPLES} 条。")
    if len(values) < 2:
        raise ClassifierError(f"至少需要 2 个不同的标签，现有 {len(values)} 个。")
    rare = [str(value) for value, count in zip(values, counts, strict=True) if count < MIN_PER_LABEL]
    if rare:
        raise ClassifierError(f"以下标签的样本少于 {MIN_PER_LABEL} 条：{'、'.join(rare)}")


def without_rare_labels(data: LabelledTexts) -> tuple[LabelledTexts, dict[str, int]]:
    """`data` without the rows of labels that have fewer than MIN_PER_LABEL of them (a model cannot learn
    them: calibration needs each label in two folds), and those labels with their counts."""
    counts: dict[str, int] = {}
    for label in data.labels:
        counts[label] = counts.get(label, 0) + 1
    rare = {label: n for label, n in counts.items() if n < MIN_PER_LABEL}
    kept = [i for i, label in enumerate(data.labels) if label not in rare]
    texts, labels = [data.texts[i] for i in kept], [data.labels[i] for i in kept]
    return LabelledTexts(texts=texts, labels=labels, skipped=list(data.skipped)), rare


def _write_atomically(path: Path, content: str) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(content, encoding="utf-8")
    os.replace(temporary, path)


def model_dir() -> Path:
    return Path(settings.LIUYAN_MODEL_DIR)


def open_model(path: Path) -> TextClassifier:
    """The model in `path`, after checking its metadata file; ClassifierError when it cannot be used."""
    meta_path = path.with_suffix(".json")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ClassifierError(f"无法读取模型元数据 {meta_path}：{error}") from None
    if meta.get("format") != FORMAT:
        raise ClassifierError(
            f"模型 {path.name} 的格式版本为 {meta.get('format')}，本程序只能读取 {FORMAT}；"
            "请用 liuyan train_classifier 重新训练。"
        )
    saved, running = str(meta.get("sklearn_version", "")), sklearn.__version__
    if saved.split(".")[:2] != running.split(".")[:2]:
        raise ClassifierError(
            f"模型 {path.name} 由 scikit-learn {saved} 训练，当前为 {running}；"
            "版本不一致的模型可能给出错误结果，请用 liuyan train_classifier 重新训练。"
        )
    try:
        model = joblib.load(path)
    except Exception as error:  # an unreadable pickle can raise nearly anything
        raise ClassifierError(f"无法读取模型文件 {path}：{error}") from None
    if not isinstance(model, TextClassifier):
        raise ClassifierError(f"{path} 不是分类器模型文件。")
    return model


def current_version(kind: str, directory: Path | None = None) -> str | None:
    pointer = (directory or model_dir()) / f"{kind}.current"
    try:
        return pointer.read_text(encoding="utf-8").strip() or None
    except FileNotFoundError:
        return None


@dataclass
class _Loaded:
    model: TextClassifier | None
    pointer_mtime: float | None
    checked_at: float


_lock = threading.Lock()
_loaded: dict[str, _Loaded] = {}


def load_classifier(kind: str) -> TextClassifier | None:
    """The current model of `kind`, loaded once per process and replaced when a newer one is made current
    (the pointer is looked at no more often than every RECHECK_SECONDS). None when none is trained or the
    file cannot be used (the reason is logged): callers then make no suggestion."""
    entry = _loaded.get(kind)
    if entry is not None and time.monotonic() - entry.checked_at < RECHECK_SECONDS:
        return entry.model
    with _lock:
        entry = _loaded.get(kind)
        now = time.monotonic()
        if entry is not None and now - entry.checked_at < RECHECK_SECONDS:
            return entry.model
        directory = model_dir()
        try:
            mtime = (directory / f"{kind}.current").stat().st_mtime
        except FileNotFoundError:
            mtime = None
        if entry is not None and entry.pointer_mtime == mtime:
            entry.checked_at = now
            return entry.model
        model = None
        version = current_version(kind, directory)
        if version:
            try:
                model = open_model(directory / f"{version}.joblib")
            except ClassifierError as error:
                logger.error("Classifier %s not loaded: %s", kind, error)
        _loaded[kind] = _Loaded(model=model, pointer_mtime=mtime, checked_at=now)
        return model


def forget_loaded_classifiers() -> None:
    """Drop the models this process has loaded (tests; a process that switched LIUYAN_MODEL_DIR)."""
    with _lock:
        _loaded.clear()


def score(true: Sequence[str], predicted: Sequence[str], labels: Sequence[str] | None = None) -> dict:
    """Macro-F1, accuracy, per-label precision/recall/F1/support and the confusion matrix."""
    labels = list(labels) if labels else sorted(set(true) | set(predicted))
    precision, recall, f1, support = precision_recall_fscore_support(
        true, predicted, labels=labels, zero_division=0
    )
    return {
        "macro_f1": round(float(np.mean(f1)), 4),
        "accuracy": round(float(accuracy_score(true, predicted)), 4),
        "labels": {
            label: {
                "precision": round(float(precision[i]), 4),
                "recall": round(float(recall[i]), 4),
                "f1": round(float(f1[i]), 4),
                "support": int(support[i]),
            }
            for i, label in enumerate(labels)
        },
        "confusion": {"labels": labels, "matrix": confusion_matrix(true, predicted, labels=labels).tolist()},
    }


def evaluate(
    train_texts: Sequence[str],
    train_labels: Sequence[str],
    test_texts: Sequence[str],
    test_labels: Sequence[str],
    unlabeled: Sequence[str] = (),
    *,
    kind: str = "domain",
) -> dict:
    """Train a `kind` model on one set, score it on the other: `score` plus training seconds and predictions
    per second."""
    started = time.perf_counter()
    model = classifier_for(kind).fit(train_texts, train_labels, unlabeled)
    training_seconds = time.perf_counter() - started
    started = time.perf_counter()
    predicted = model.predict_labels(test_texts)
    elapsed = max(time.perf_counter() - started, 1e-9)
    labels = sorted(set(train_labels) | set(test_labels))
    return {
        **score(list(test_labels), predicted, labels),
        "training_seconds": round(training_seconds, 2),
        "predictions_per_second": round(len(test_texts) / elapsed, 1),
    }


def cross_validate(
    texts: Sequence[str],
    labels: Sequence[str],
    unlabeled: Sequence[str] = (),
    *,
    kind: str = "domain",
    folds: int = 5,
    random_state: int = 42,
) -> dict:
    """Stratified k-fold: every fit, unsupervised parts included, sees the training fold only."""
    labels = np.asarray(labels)
    check_training_set(labels)
    folds = min(folds, int(np.unique(labels, return_counts=True)[1].min()))
    if folds < 2:
        raise ClassifierError("每个标签至少需要 2 条样本才能做交叉验证。")
    splitter = StratifiedKFold(folds, shuffle=True, random_state=random_state)
    per_fold = []
    for train, test in splitter.split(np.zeros(len(labels)), labels):
        result = evaluate(
            [texts[i] for i in train],
            labels[train],
            [texts[i] for i in test],
            labels[test],
            unlabeled,
            kind=kind,
        )
        per_fold.append({key: result[key] for key in ("macro_f1", "accuracy")})
    return {
        "method": f"{folds}-fold stratified cross-validation",
        "macro_f1": round(float(np.mean([f["macro_f1"] for f in per_fold])), 4),
        "accuracy": round(float(np.mean([f["accuracy"] for f in per_fold])), 4),
        "folds": per_fold,
    }
