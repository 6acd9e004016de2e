from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from liuyan.demo.accounts import DEMO_PASSWORD
from liuyan.demo.builder import DEFAULT_MESSAGES, MIN_MESSAGES, setup_demo
from liuyan.intelligence.classifier import KINDS, load_classifier

LABELS = settings.BASE_DIR / "tests" / "intelligence" / "labels"
# Real messages labelled by reading them, by kind of model (the domain model learns from the shared data's
# own labels through the demo's messages).
LABELLED_SETS = {"type": LABELS / "types.csv", "unit": LABELS / "routing.csv"}


class Command(BaseCommand):
    help = (
        "Fill an empty, directory-seeded database with demo data: accounts for every role (one shared "
        "password), campaigns, and messages with six months of history in every state. Does nothing when "
        "messages already exist."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--messages",
            type=int,
            default=DEFAULT_MESSAGES,
            help=f"how many messages to write (at least {MIN_MESSAGES}; default {DEFAULT_MESSAGES})",
        )

    def handle(self, *args, messages: int, **options):
        try:
            report = setup_demo(messages)
        except ValueError as error:
            raise CommandError(str(error)) from None
        if report.skipped:
            self.stdout.write(report.skipped)
            # A missing model, or one this version cannot read (an older format), is trained again.
            self._train_classifiers(only_unusable=True)
            return
        # Demo messages are indexed as they are submitted; this fills any the demo wrote otherwise.
        call_command("index_similarity", "--missing", stdout=self.stdout)
        total, elapsed = sum(report.states.values()), report.elapsed
        self.stdout.write(self.style.SUCCESS(f"演示数据已生成：留言 {total} 条，用时 {elapsed:.1f} 秒。"))
        self.stdout.write("\n按状态：")
        for label, count in report.states.items():
            self.stdout.write(f"  {label}\t{count}")
        self.stdout.write("\n其中：")
        for label, count in report.features.items():
            self.stdout.write(f"  {label}\t{count}")
        self.stdout.write("\n专栏：")
        for title, state, count in report.campaigns:
            self.stdout.write(f"  {title}（{state}）\t留言 {count} 条")
        self.stdout.write(f"\n演示账号（密码均为 {DEMO_PASSWORD}）：")
        self.stdout.write("  角色\t用户名\t密码\t范围")
        citizens = [row for row in report.accounts if row[2] == "本人留言"]
        for role, username, scope in report.accounts:
            if scope != "本人留言":
                self.stdout.write(f"  {role}\t{username}\t{DEMO_PASSWORD}\t{scope}")
        if citizens:
            names = "、".join(username for _role, username, _scope in citizens)
            self.stdout.write(f"  {citizens[0][0]}\t{names}\t{DEMO_PASSWORD}\t本人留言")
        self.stdout.write(
            "  工作人员登录时还需动态验证码（两步验证），开发环境用 liuyan totp_code --username editor 查看。"
        )
        self.stdout.write("\n分类模型：")
        self._train_classifiers()

    def _train_classifiers(self, *, only_unusable: bool = False) -> None:
        # The classifiers learn from the demo's handled messages, as a deployment would; the type and
        # unit-kind models, when the shared data set is there, from real messages labelled by reading them
        # (the demo's own templates teach them little about how people write).
        texts = settings.LIUYAN_SHARED_DATA / "taidi2020"
        for kind in KINDS:
            if only_unusable and load_classifier(kind) is not None:
                continue
            source = ["--from-db"]
            labelled = LABELLED_SETS.get(kind)
            if labelled is not None and labelled.is_file() and texts.is_dir():
                source = ["--references", str(labelled), "--texts", str(texts)]
            try:
                call_command("train_classifier", "--kind", kind, *source, "--folds", "0", stdout=self.stdout)
            except CommandError as error:
                self.stdout.write(f"  未训练 {kind} 分类模型：{error}")
