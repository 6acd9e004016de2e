"""`liuyan evaluate_classifier`: train on one labelled file, score on another."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from liuyan.intelligence.classifier import KINDS, ClassifierError, evaluate
from liuyan.intelligence.textfeatures import read_labelled, read_unlabelled


class Command(BaseCommand):
    help = (
        "Train a classifier on --train and score it on --test (both CSV with a text and a label column): "
        "macro-F1, accuracy, per-label precision/recall/F1, confusion matrix, training seconds and "
        "predictions per second. Nothing is saved."
    )

    def add_arguments(self, parser):
        parser.add_argument("--train", type=Path, required=True)
        parser.add_argument("--test", type=Path, required=True)
        parser.add_argument("--kind", choices=KINDS, default="domain", help="train as this kind is trained")
        parser.add_argument("--text-column", default="text")
        parser.add_argument("--label-column", default="label")
        parser.add_argument(
            "--unlabeled", type=Path, nargs="*", default=[], help="CSV files of messages without labels"
        )
        parser.add_argument("--json", action="store_true", help="machine-readable output")

    def handle(self, *args, **options):
        columns = options["text_column"], options["label_column"]
        try:
            train = read_labelled(options["train"], *columns)
            test = read_labelled(options["test"], *columns, known_labels=set(train.labels))
            unlabeled = [text for path in options["unlabeled"] for text in read_unlabelled(path)]
        except (OSError, UnicodeDecodeError, ValueError) as error:
            raise CommandError(str(error)) from None
        for name, data in (("train", train), ("test", test)):
            for line, reason in data.skipped:
                self.stderr.write(f"{options[name]}:{line}: 已跳过：{reason}")
        if not test.texts:
            raise CommandError(f"{options['test']}：没有可用的测试样本。")
        try:
            result = evaluate(
                train.texts, train.labels, test.texts, test.labels, unlabeled, kind=options["kind"]
            )
        except ClassifierError as error:
            raise CommandError(str(error)) from None
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
            return
        self.stdout.write(
            f"训练 {len(train.texts)} 条，测试 {len(test.texts)} 条；"
            f"macro-F1 {result['macro_f1']:.4f}，准确率 accuracy {result['accuracy']:.4f}"
        )
        self.stdout.write("标签 label\t精确率 precision\t召回率 recall\tF1\t样本 support")
        for label, row in result["labels"].items():
            self.stdout.write(
                f"{label}\t{row['precision']:.4f}\t{row['recall']:.4f}\t{row['f1']:.4f}\t{row['support']}"
            )
        labels = result["confusion"]["labels"]
        self.stdout.write("\n混淆矩阵 confusion matrix（行：真实，列：预测）")
        self.stdout.write("\t" + "\t".join(labels))
        for label, row in zip(labels, result["confusion"]["matrix"], strict=True):
            self.stdout.write(label + "\t" + "\t".join(str(n) for n in row))
        self.stdout.write(
            f"\n训练用时 {result['training_seconds']:.2f} 秒，"
            f"预测 {result['predictions_per_second']:.0f} 条/秒"
        )
