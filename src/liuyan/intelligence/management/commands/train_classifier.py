"""`liuyan train_classifier`: train the domain, type or unit-kind classifier from a file or from handled
messages."""

import csv
import json
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from liuyan.board.choices import MessageState
from liuyan.board.models import Message
from liuyan.directory.models import Domain
from liuyan.intelligence.classifier import (
    KINDS,
    ClassifierError,
    classifier_for,
    cross_validate,
    evaluate,
    without_rare_labels,
)
from liuyan.intelligence.corrections import corrected_labels, history_examples
from liuyan.intelligence.retraining import DECIDING_FIGURE, HELD_OUT_IN_TRAINING, held_out_split, retrain
from liuyan.intelligence.routing import unit_kind
from liuyan.intelligence.textfeatures import (
    LabelledTexts,
    read_labelled,
    read_references,
    read_unlabelled,
)

# How the current model's figure was had, when it could not be scored on the held-out rows it learnt from.
BEFORE_SOURCES = {
    "held_out": "",
    "recorded": "（该模型训练时用过留出的各行，取其训练时在这些行上的成绩）",
    "cross_validation": "（该模型训练时用过留出的各行，取其训练时的交叉验证成绩）",
}
# The type and unit-kind labels read from the shared files (by reference), held-out rows marked aside.
TYPE_REFERENCES = settings.BASE_DIR / "tests" / "intelligence" / "labels" / "types.csv"
UNIT_REFERENCES = settings.BASE_DIR / "tests" / "intelligence" / "labels" / "routing.csv"
REFERENCES = {"type": TYPE_REFERENCES, "unit": UNIT_REFERENCES}
# Messages a desk has assigned: an editor published them and a dispatcher routed them by their domain
# and type, so those labels have been looked at twice. Hidden and merged-away messages are left out.
HANDLED_STATES = [
    MessageState.ASSIGNED,
    MessageState.IN_PROGRESS,
    MessageState.REPLY_REVIEW,
    MessageState.REPLIED,
    MessageState.CLOSED,
]


def handled_messages(kind: str) -> tuple[list[str], list[str]]:
    """(texts, labels) of the deployment's handled messages: title + body, and the level-1 domain name
    (the root of the message's domain in the Domain tree), the message type's code, or the kind of the
    unit holding it (`unit_kind`: a desk's assignment, corrected or not, and any transfer since)."""
    rows = handled_rows(kind)
    return [text for _id, text, _label in rows], [label for _id, _text, label in rows]


def handled_rows(kind: str) -> list[tuple[int, str, str]]:
    """`handled_messages` as (message id, text, label) rows."""
    messages = Message.objects.filter(state__in=HANDLED_STATES, hidden=False, merged_into=None)
    if kind == "unit":
        held = messages.exclude(unit=None).values_list("id", "title", "body", "unit__code").order_by("id")
        return [(pk, f"{title}\n{body}", unit_kind(code)) for pk, title, body, code in held.iterator(2000)]
    rows = messages.values_list("id", "title", "body", "domain_id", "message_type__code").order_by("id")
    parents = dict(Domain.objects.values_list("id", "parent_id"))
    names = dict(Domain.objects.values_list("id", "name"))

    def root(domain_id: int) -> str:
        while parents.get(domain_id):
            domain_id = parents[domain_id]
        return names[domain_id]

    return [
        (pk, f"{title}\n{body}", root(domain_id) if kind == "domain" else type_code)
        for pk, title, body, domain_id, type_code in rows.iterator(chunk_size=2000)
    ]


class Command(BaseCommand):
    help = (
        "Train the domain, type or unit-kind classifier, from a CSV file (text,label) or from this "
        "deployment's handled messages (--from-db: assigned and later states, not hidden, not merged), and "
        "make it the current model. Prints the version, the sizes and cross-validated metrics."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--kind",
            choices=KINDS,
            required=True,
            help="domain (领域), type (类型) or unit (the kind of unit that should handle a message)",
        )
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("--file", type=Path, help="a UTF-8 CSV file with a text and a label column")
        source.add_argument("--from-db", action="store_true", help="learn from the handled messages")
        source.add_argument(
            "--references",
            type=Path,
            help="a labelled set of references to messages of the files in --texts (columns source, id, "
            "the kind: type, domain or unit, aside); scored on its aside rows, then trained on all of them; "
            "a label with fewer than two rows is left out",
        )
        parser.add_argument("--texts", type=Path, help="the folder of the files --references names")
        source.add_argument(
            "--from-history",
            action="store_true",
            help="learn from the shared labelled data (--shared) plus the handled messages with the desk's "
            "corrections; scored on a held-out part of the shared data before and after, and made current "
            "only when it scores no worse",
        )
        parser.add_argument(
            "--shared",
            type=Path,
            help="with --from-history: the shared labelled data, a text,label CSV (a fixed fifth held "
            "out) or references with an aside column (default: train_domains.csv of the shared data for "
            "domains, tests/intelligence/labels/types.csv for types, routing.csv beside it for units)",
        )
        parser.add_argument("--text-column", default="text")
        parser.add_argument("--label-column", default="label")
        parser.add_argument(
            "--unlabeled", type=Path, nargs="*", default=[], help="CSV files of messages without labels"
        )
        parser.add_argument("--folds", type=int, default=5, help="cross-validation folds (0: none)")
        parser.add_argument("--json", action="store_true", help="print the model's metadata as JSON")

    def handle(self, *args, kind: str, **options):
        if options["from_history"]:
            self._from_history(kind, options)
            return
        skipped: list[tuple[int, str]] = []
        rare: dict[str, int] = {}
        held_out = None
        if options["references"] and not options["texts"]:
            raise CommandError("--references 需要同时给出 --texts（留言文件所在的目录）。")
        try:
            if options["references"]:
                data, held_out = read_references(options["references"], options["texts"], kind)
                data, rare = without_rare_labels(data)
                texts, labels, skipped = data.texts, data.labels, data.skipped
                source = str(options["references"])
            elif options["from_db"]:
                texts, labels = handled_messages(kind)
                source = "已办理留言"
            else:
                data = read_labelled(options["file"], options["text_column"], options["label_column"])
                texts, labels, skipped = data.texts, data.labels, data.skipped
                source = str(options["file"])
            unlabeled = [text for path in options["unlabeled"] for text in read_unlabelled(path)]
        except (OSError, UnicodeDecodeError, ValueError) as error:
            raise CommandError(str(error)) from None
        for line, reason in skipped:
            self.stderr.write(f"{source}:{line}: 已跳过：{reason}")
        for label, count in rare.items():
            self.stderr.write(f"{source}: 已跳过标签“{label}”：只有 {count} 条，少于 2 条")
        try:
            metrics = {}
            if options["folds"] >= 2:
                metrics = cross_validate(texts, labels, unlabeled, kind=kind, folds=options["folds"])
            if held_out is not None and held_out.texts:
                result = evaluate(texts, labels, held_out.texts, held_out.labels, unlabeled, kind=kind)
                metrics["held_out"] = {key: result[key] for key in ("macro_f1", "accuracy", "labels")}
                texts, labels = texts + held_out.texts, labels + held_out.labels
            if options["file"] or metrics.get("held_out"):
                metrics[HELD_OUT_IN_TRAINING] = True  # --from-history must not score it on them
            started = time.perf_counter()
            model = classifier_for(kind).fit(texts, labels, unlabeled)
            metrics["training_seconds"] = round(time.perf_counter() - started, 2)
            path = model.save(kind, metrics=metrics)
        except ClassifierError as error:
            raise CommandError(f"无法训练（{source}）：{error}") from None
        meta = {**model.metadata(), "file": str(path), "file_bytes": path.stat().st_size}
        meta["skipped_rows"] = len(skipped)
        meta["unlabeled_texts"] = len(unlabeled)
        if options["json"]:
            self.stdout.write(json.dumps(meta, ensure_ascii=False))
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"已训练并启用模型 {model.version}（{path}，{meta['file_bytes'] / 1e6:.1f} MB）"
            )
        )
        self.stdout.write(
            f"样本 {len(texts)} 条（跳过 {len(skipped)} 条），标签 {len(model.labels)} 个，"
            f"无标签文本 {len(unlabeled)} 条"
        )
        self.stdout.write(f"标签：{'、'.join(model.labels)}")
        if "macro_f1" in metrics:
            self.stdout.write(
                f"{metrics['method']}：macro-F1 {metrics['macro_f1']:.4f}，准确率 {metrics['accuracy']:.4f}"
            )
        if "held_out" in metrics:
            figures = metrics["held_out"]
            recalls = "，".join(f"{label} {row['recall']:.2f}" for label, row in figures["labels"].items())
            self.stdout.write(
                f"留出集（aside=1，{sum(row['support'] for row in figures['labels'].values())} 条，"
                f"模型只用其余各行训练）：macro-F1 {figures['macro_f1']:.4f}，各标签召回率：{recalls}"
            )
        self.stdout.write(f"训练用时 {metrics['training_seconds']:.1f} 秒")

    def _from_history(self, kind: str, options: dict) -> None:
        try:
            shared, held_out = _shared_data(kind, options["shared"], options["texts"])
            history_texts, history_labels = history_examples(kind, handled_rows(kind))
            unlabeled = [text for path in options["unlabeled"] for text in read_unlabelled(path)]
            done = retrain(kind, shared, held_out, history_texts, history_labels, unlabeled)
        except (OSError, UnicodeDecodeError, ValueError) as error:
            raise CommandError(str(error)) from None
        except ClassifierError as error:
            raise CommandError(f"无法训练（历史数据）：{error}") from None
        corrected = len(corrected_labels(kind))
        if options["json"]:
            payload = {
                key: getattr(done, key)
                for key in (
                    "kind",
                    "shared_rows",
                    "history_rows",
                    "held_out_rows",
                    "replaced",
                    "version_before",
                )
            }
            payload.update(before=done.before, after=done.after, corrected_messages=corrected)
            payload["before_source"] = done.before_source
            payload["version"] = done.model.version if done.replaced else done.version_before
            self.stdout.write(json.dumps(payload, ensure_ascii=False))
            return
        self.stdout.write(
            f"训练数据：共享数据 {done.shared_rows} 条 + 本平台历史 {done.history_rows} 条"
            f"（已办理留言及人工更正，其中 {corrected} 条留言经人工更正）"
        )
        figure = DECIDING_FIGURE
        if done.before is not None:
            before = f"{done.before[figure]:.4f}" + BEFORE_SOURCES[done.before_source]
        elif done.version_before:
            before = "无可比成绩（该模型训练时用过留出的各行，也没有记录训练时的成绩）"
        else:
            before = "无（尚未启用模型）"
        self.stdout.write(
            f"留出集（共享数据中固定留出的 {done.held_out_rows} 条，不参与训练）macro-F1："
            f"当前模型 {before} → 新模型 {done.after[figure]:.4f}"
        )
        recalls = "，".join(f"{label} {row['recall']:.2f}" for label, row in done.after["labels"].items())
        self.stdout.write(f"新模型各标签召回率：{recalls}")
        if done.replaced:
            self.stdout.write(self.style.SUCCESS(f"已启用新模型 {done.model.version}"))
        else:
            self.stdout.write(
                self.style.WARNING(
                    f"新模型在留出集上的 macro-F1 低于当前模型，未替换：仍使用 {done.version_before}"
                )
            )


def _shared_data(kind: str, path: Path | None, texts_dir: Path | None) -> tuple[LabelledTexts, LabelledTexts]:
    """The shared labelled data as (training rows, held-out rows): references with an aside column keep
    their own held-out rows; a text,label file has a fixed fifth held out."""
    shared = settings.LIUYAN_SHARED_DATA / "taidi2020"
    if path is None:
        path = shared / "train_domains.csv" if kind == "domain" else REFERENCES[kind]
    with open(path, encoding="utf-8-sig", newline="") as handle:
        header = {name.strip() for name in next(csv.reader(handle), [])}
    if {"source", "id", "aside"} <= header:
        training, held_out = read_references(path, texts_dir or shared, kind)
        return without_rare_labels(training)[0], held_out
    data = read_labelled(path, "text", "label")
    return held_out_split(data.texts, data.labels)
