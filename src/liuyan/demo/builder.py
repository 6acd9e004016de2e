"""Demo data for a directory-seeded database (`liuyan setup_demo`): accounts for every role, campaigns,
and a few thousand messages with six months of history.

How the history is made honest:

1. Every state change goes through the board's action functions, so the events, deadlines, notifications,
   counters and invariants are the ones the actions write. The actions stamp what they write with the
   current time, so each action call is recorded as a *step* of its *case* (the message, or the few messages
   whose story is told together: a merge, a joint reply) together with the wall-clock interval it ran in.
2. Then each case is laid out on the past six months: its steps get plausible gaps (hours to publish, a day
   to accept, days to reply, …) and every timestamp written inside a step moves by that step's offset, which
   keeps the order of the rows within a step. Deadlines are recomputed from the moved times with
   `board.deadlines`, the way assign, transfer, reopening and an approved extension compute them. Cases
   meant to end overdue, due within 24 hours or in time are placed so that they do.
3. Serial numbers carry the submission date, so they are renumbered by the moved dates.
4. Finally the periodic checks run once, as the scheduler would on its first run: messages overdue long
   enough come under supervision and due-soon ones get their warning.

Everything happens in one transaction: a failure leaves the database as it was.
"""

import bisect
import itertools
import math
import random
import re
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
from django_tasks.backends.dummy import DummyBackend

from liuyan.accounts.actions import save_user_with_role
from liuyan.accounts.choices import Permission, Role
from liuyan.accounts.models import RoleMembership, User
from liuyan.accounts.scope import can
from liuyan.accounts.two_factor import ensure_confirmed_totp_device
from liuyan.board import deadlines
from liuyan.board.actions.campaigns import create_campaign, set_campaign_state
from liuyan.board.actions.dispatch import assign_message, merge_messages, return_message, transfer_message
from liuyan.board.actions.feedback import follow_up_message, rate_message
from liuyan.board.actions.handling import accept_message, decide_extension, request_extension
from liuyan.board.actions.moderation import hide_message, publish_message, reject_message
from liuyan.board.actions.oversight import (
    close_unrated,
    instruct_message,
    remind_message,
    supervise_message,
    supervise_overdue,
    warn_due_soon,
)
from liuyan.board.actions.replies import approve_reply, send_back_reply, submit_reply
from liuyan.board.actions.submission import submit_message, support_message, withdraw_message
from liuyan.board.choices import CampaignState, EventKind, ExtensionState, MessageState, ReplyState
from liuyan.board.models import (
    Campaign,
    Event,
    ExtensionRequest,
    FollowUp,
    Instruction,
    Message,
    Rating,
    Reply,
    SerialCounter,
    Support,
)
from liuyan.board.selectors import is_due_soon, is_overdue
from liuyan.demo import texts
from liuyan.directory import catalogue
from liuyan.directory.choices import RegionLevel, UnitKind
from liuyan.directory.models import Leader, Region, Unit
from liuyan.notify.models import Notification
from liuyan.reports.counts import rebuild_counts

DEMO_PASSWORD = "Liuyan-demo-2026"
DEFAULT_MESSAGES = 2000
MIN_MESSAGES = 150
HISTORY = timedelta(days=180)
# No step of the history is later than this before the moment the history is laid out.
LATEST = timedelta(minutes=5)
# Notifications older than this are taken as read: staff read their inbox, the demo should look lived in.
READ_AFTER = timedelta(days=2)

LINCANG, YUNNAN, CHAOYANG = "530900", "530000", "110105"
AREA_CODES = ["0871", "0883", "010", "020", "0731", "028"]


@dataclass(frozen=True)
class DemoAccount:
    """A demo sign-in, listed with the shared password at the end of the run and in the README."""

    username: str
    role: Role
    nickname: str = ""
    unit: str | None = None  # unit code (handler, dispatcher)
    region: str | None = None  # region code (leader)
    phone: str | None = None


STAFF_ACCOUNTS = [
    DemoAccount("admin", Role.ADMIN, "系统管理员"),
    DemoAccount("editor", Role.EDITOR, "平台编辑小林"),
    DemoAccount("desk-lincang", Role.DISPATCHER, "临沧市留言办", unit="530900-desk"),
    DemoAccount("desk-yunnan", Role.DISPATCHER, "云南省留言办", unit="530000-desk"),
    DemoAccount("edu-lincang", Role.HANDLER, "市教育局办理员", unit="530900-education"),
    DemoAccount("housing-lincang", Role.HANDLER, "市住建局办理员", unit="530900-housing"),
    DemoAccount("edu-yongde", Role.HANDLER, "永德县教育局办理员", unit="530923-education"),
    DemoAccount("edu-chaoyang", Role.HANDLER, "朝阳区教育局办理员", unit="110105-education"),
    DemoAccount("housing-chaoyang", Role.HANDLER, "朝阳区住建局办理员", unit="110105-housing"),
    DemoAccount("leader-lincang", Role.LEADER, "临沧市领导办公室", region=LINCANG),
    DemoAccount("leader-yunnan", Role.LEADER, "云南省领导办公室", region=YUNNAN),
]
_CITIZENS = [
    ("zhangwei", "山城老张"),
    ("wangfang", ""),
    ("lina", "茶乡人"),
    ("liuyang", ""),
    ("chenjing", "一名家长"),
    ("yangli", ""),
    ("huangmin", "热心市民"),
    ("zhaolei", ""),
    ("zhoujie", "老党员"),
    ("wuxia", ""),
    ("xuqiang", "沧江边"),
    ("sunyan", ""),
    ("majun", "打工人"),
    ("zhuhong", ""),
    ("hutao", "退休教师老胡"),
    ("guoping", ""),
    ("heyun", "小区业主"),
    ("linfeng", ""),
    ("luoxin", "种茶的阿罗"),
    ("gaoming", ""),
    ("liangyu", "宝妈小梁"),
    ("songjia", ""),
    ("zhengkai", "跑外卖的小郑"),
    ("xieli", ""),
    ("hanmei", "韩老师"),
    ("tangwen", ""),
    ("fengbo", "个体户老冯"),
    ("dongqian", ""),
    ("xiaoyu", "大学生小于"),
    ("chengpeng", ""),
    ("caolin", "果农老曹"),
    ("yuanhui", ""),
    ("denghua", "退役老兵"),
    ("xujing", ""),
    ("fuqiang", "建筑工老傅"),
    ("shenyue", ""),
    ("zengrui", "新市民"),
    ("pengfei", ""),
    ("lvting", "护士小吕"),
    ("suhan", ""),
    ("jiangtao", "股民老江"),
    ("caiyun", ""),
    ("jiali", "返乡创业者"),
    ("dingning", ""),
    ("weiwei", "社区志愿者"),
    ("xuehai", ""),
    ("yeqing", "驴友小叶"),
    ("yanbin", ""),
]
# Every other citizen gives a phone number (fixed, so that the demo is the same on every machine).
CITIZEN_ACCOUNTS = [
    DemoAccount(username, Role.CITIZEN, nickname, phone=f"1390883{i:04d}" if i % 2 == 0 else None)
    for i, (username, nickname) in enumerate(_CITIZENS)
]
DEMO_ACCOUNTS = [*STAFF_ACCOUNTS, *CITIZEN_ACCOUNTS]

DOMAIN_WEIGHTS = {
    "城建": 15,
    "交通": 10,
    "环保": 8,
    "教育": 12,
    "医疗": 9,
    "三农": 10,
    "就业": 8,
    "企业": 6,
    "治安": 7,
    "政务": 6,
    "金融": 3,
    "旅游": 3,
    "其他": 3,
}
TARGET_WEIGHTS = {
    MessageState.PENDING_REVIEW: 2.5,
    MessageState.REJECTED: 3,
    MessageState.WITHDRAWN: 1.5,
    MessageState.PUBLISHED: 3,
    MessageState.ASSIGNED: 3.5,
    MessageState.IN_PROGRESS: 8.5,
    MessageState.REPLY_REVIEW: 2.5,
    MessageState.REPLIED: 5.5,
    MessageState.CLOSED: 70,
}
CATEGORY_WEIGHTS = {"overdue": 20, "due_soon": 20, "in_time": 60}
OVERDUE, DUE_SOON, IN_TIME = "overdue", "due_soon", "in_time"
HANDLING_TARGETS = {MessageState.ASSIGNED, MessageState.IN_PROGRESS, MessageState.REPLY_REVIEW}

# How long after the step before it a step happens, in hours (drawn log-uniformly between the bounds).
GAP_HOURS = {
    "submit": (1, 72),  # a further message of the same case
    "withdraw": (0.3, 30),
    "reject": (1, 30),
    "publish": (0.5, 30),
    "hide": (1, 72),
    "support": (0.05, 12),
    "merge": (1, 48),
    "assign": (1, 40),
    "transfer": (2, 40),
    "return": (2, 40),
    "accept": (0.5, 20),
    "follow_up": (2, 72),
    "remind": (24, 96),
    "supervise": (12, 96),
    "instruct": (12, 96),
    "request_extension": (48, 200),
    "decide_extension": (2, 30),
    "reply": (24, 240),
    "send_back": (2, 30),
    "approve": (2, 30),
    "rate": (2, 100),
    "auto_close": (settings.LIUYAN_RATING_WINDOW_DAYS * 24 + 1, settings.LIUYAN_RATING_WINDOW_DAYS * 24 + 30),
}
# Urgent messages (a campaign with an urgent setting, or marked urgent when assigned) move in hours.
URGENT_GAP_HOURS = {
    "publish": (0.1, 2),
    "hide": (0.5, 6),
    "assign": (0.1, 2),
    "transfer": (0.2, 3),
    "return": (0.2, 3),
    "accept": (0.1, 1.5),
    "follow_up": (0.5, 12),
    "remind": (1, 12),
    "supervise": (1, 12),
    "instruct": (1, 12),
    "request_extension": (2, 12),
    "decide_extension": (0.2, 3),
    "reply": (1, 18),
    "send_back": (0.2, 2),
    "approve": (0.2, 3),
}


@dataclass
class Plan:
    """What will happen in a case: where its message goes, the state it ends in, what happens on the way."""

    target: str
    category: str = ""  # for handling targets: overdue, due_soon or in_time
    kind: str = "single"  # single, merge or joint
    region: str | None = None  # force the message's region
    leader: str | None = None  # force the addressee (leader code)
    domain: str | None = None
    unit: str | None = None  # force the handling unit (code)
    campaign: str | None = None  # a key of texts.CAMPAIGNS
    public: bool = True
    anonymous: bool = False
    urgent: bool = False
    hidden: bool = False
    transfer: bool = False
    returned: bool = False
    remind: bool = False
    supervise: str = ""  # "", "desk" or "leader"
    instruct: bool = False
    extension: str = ""  # "", or an ExtensionState
    sent_back: bool = False
    supplement: bool = False  # a follow-up while the message is handled (does not reopen it)
    reopen: str = ""  # "", "unsatisfied" or "new_question"
    bad_rating: bool = False  # rated unsatisfied and left replied
    auto_close: bool = False  # left unrated, closed by the periodic check when the rating window passes
    supports: int = 0
    duplicates: int = 0  # for a merge
    joint: str = ""  # a key of texts.JOINT_CASES

    @property
    def size(self) -> int:
        if self.kind == "merge":
            return 1 + self.duplicates
        if self.kind == "joint":
            return 4
        return 1


@dataclass
class Step:
    """One action call: its kind and the wall-clock interval it ran in."""

    kind: str
    started: datetime
    ended: datetime


@dataclass
class Case:
    """One or a few messages whose story is told together, and the steps of that story."""

    plan: Plan
    message_ids: list[int] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    urgent: bool = False
    window: tuple[datetime, datetime] | None = None  # when its first message may have been submitted
    sim_starts: list[datetime] = field(default_factory=list)  # each step's place in the laid-out history

    @property
    def primary_id(self) -> int:
        return self.message_ids[0]

    def moved(self, at: datetime, sim_starts: list[datetime] | None = None) -> datetime:
        """Where a timestamp written during one of the case's steps lands in the laid-out history (with
        `sim_starts`, had the steps started then)."""
        index = bisect.bisect_right([step.started for step in self.steps], at) - 1
        if index < 0 or at > self.steps[index].ended:
            raise RuntimeError(f"{at} was written outside the steps of its case")
        return (sim_starts or self.sim_starts)[index] + (at - self.steps[index].started)


@dataclass
class DemoReport:
    """What a run did: nothing (and why), or the counts and the accounts to print."""

    skipped: str = ""
    elapsed: float = 0.0
    states: dict[str, int] = field(default_factory=dict)
    features: dict[str, int] = field(default_factory=dict)
    campaigns: list[tuple[str, str, int]] = field(default_factory=list)
    accounts: list[tuple[str, str, str]] = field(default_factory=list)  # role label, username, scope


def setup_demo(messages: int = DEFAULT_MESSAGES, *, seed: int = 2026) -> DemoReport:
    """Fill an empty, directory-seeded database with demo data; change nothing if messages already exist."""
    if Message.objects.exists():
        return DemoReport(skipped="数据库中已有留言，演示数据不再生成，未做任何修改。")
    taken = sorted(
        User.objects.filter(username__in=[a.username for a in DEMO_ACCOUNTS]).values_list(
            "username", flat=True
        )
    )
    if taken:
        # Taking them over would reset someone's password to the published demo password.
        return DemoReport(skipped=f"用户名 {'、'.join(taken)} 已被使用，为免改动这些账号，演示数据未生成。")
    if messages < MIN_MESSAGES:
        raise ValueError(f"演示留言至少 {MIN_MESSAGES} 条。")
    if not Leader.objects.filter(code=f"{LINCANG}-head").exists():
        raise ValueError("行政区划目录尚未初始化，请先运行 liuyan seed_directory。")
    started = time.monotonic()
    with transaction.atomic(), tasks_dropped():
        builder = DemoBuilder(random.Random(seed))
        builder.build(messages)
        # The history was re-dated behind the actions' back: recount the statistics from the messages.
        rebuild_counts()
    report = summarize()
    report.elapsed = time.monotonic() - started
    report.accounts = demo_accounts()
    return report


@contextmanager
def tasks_dropped() -> Iterator[None]:
    """Drop the tasks enqueued in this thread while the block runs.

    Notifications of the invented past are kept as in-site notices, but their delivery is not enqueued: the
    demo's people have no real addresses, and thousands of delivery tasks would only keep a worker busy.
    Like `django.db.connections`, `task_backends` holds a backend per thread: a dummy one, in place for the
    block, receives the enqueue calls (the actions run unchanged) and keeps nothing, while other threads
    enqueue as configured.
    """
    alias = DEFAULT_TASK_BACKEND_ALIAS
    configured = task_backends[alias]
    task_backends[alias] = DummyBackend(alias=alias, params={})
    try:
        yield
    finally:
        task_backends[alias] = configured


class DemoBuilder:
    """Writes the demo: accounts, campaigns, cases through the actions, then lays the history out."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.cases: list[Case] = []
        self._case: Case | None = None
        self._last_end = timezone.now()
        self.details: dict[int, dict[str, str]] = {}  # message id → the details its texts were filled with
        self.topics: dict[int, texts.Topic] = {}  # message id → what it is about
        self.users: dict[str, User] = {}  # demo username → account
        self.staff: dict[str, User] = {}  # unit code → the handler or dispatcher acting for it
        self.citizens: list[User] = []
        self._working_day_deadlines: dict[tuple, tuple[datetime, datetime]] = {}

    def build(self, total: int) -> None:
        self._load_directory()
        self._create_accounts()
        self._create_campaigns()
        plans = self._plans(total)
        # Cases closed by the periodic check go first: the check closes every replied message whose rating
        # window has passed, and at that moment theirs must be the only replied messages.
        auto = [plan for plan in plans if plan.auto_close]
        for plan in auto:
            self._run(plan)
        if auto:
            self._close_unrated([case for case in self.cases if case.plan.auto_close])
        for plan in plans:
            if not plan.auto_close:
                self._run(plan)
        set_campaign_state(self.editor, texts.CAMPAIGNS["business"]["slug"], CampaignState.CLOSED)
        self._lay_out_history()
        supervise_overdue()
        warn_due_soon()

    # ---------------------------------------------------------------------------------------- directory

    def _load_directory(self) -> None:
        rng = self.rng
        self.regions = {region.code: region for region in Region.objects.all()}
        children: dict[str | None, list[str]] = defaultdict(list)
        for region in self.regions.values():
            children[region.parent_id].append(region.code)
        for codes in children.values():
            codes.sort()
        self.leaders: dict[str, list[Leader]] = defaultdict(list)
        for leader in Leader.objects.filter(active=True).select_related("desk").order_by("order", "id"):
            self.leaders[leader.region_id].append(leader)
        self.leader_by_code = {leader.code: leader for group in self.leaders.values() for leader in group}

        # Where messages are about: all of 临沧, part of the rest of 云南, and a few places in every
        # other province (a province, two prefectures, two counties), so that each unit gets a few.
        self.lincang = [LINCANG, *children[LINCANG]]
        yunnan_prefectures = [code for code in children[YUNNAN] if code != LINCANG]
        yunnan_counties = [code for prefecture in yunnan_prefectures for code in children[prefecture]]
        self.yunnan = [
            YUNNAN,
            *yunnan_prefectures,
            *rng.sample(yunnan_counties, min(16, len(yunnan_counties))),
        ]
        elsewhere = []
        for province in children[None]:
            if province == YUNNAN or province in catalogue.OUT_OF_SERVICE_PROVINCES:
                continue
            below = children[province]
            prefectures = [c for c in below if self.regions[c].level == RegionLevel.PREFECTURE]
            counties = [c for c in below if self.regions[c].level == RegionLevel.COUNTY]
            counties += [c for prefecture in prefectures for c in children[prefecture]]
            elsewhere += [province, *rng.sample(prefectures, min(2, len(prefectures)))]
            elsewhere += rng.sample(counties, min(2, len(counties)))
        if CHAOYANG not in elsewhere:
            elsewhere.append(CHAOYANG)
        self.elsewhere = [code for code in elsewhere if self.leaders.get(code)]
        self.provinces = [code for code in self.elsewhere if self.regions[code].level == RegionLevel.PROVINCE]

        wanted = set(self.lincang + self.yunnan + self.elsewhere)
        wanted |= {code for place in list(wanted) for code in self._lineage(place)}
        units = Unit.objects.filter(active=True).exclude(kind=UnitKind.DISPATCH_DESK).select_related("region")
        self.units = {unit.code: unit for unit in units.filter(region_id__in=wanted)}
        self.units |= {unit.code: unit for unit in units.filter(kind=UnitKind.CENTRAL)}
        self.domain_keys: dict[str, list[str]] = defaultdict(list)
        for department in catalogue.DEPARTMENTS:
            for domain in department.domains:
                self.domain_keys[domain].append(department.key)
        self.central_by_domain: dict[str, list[str]] = defaultdict(list)
        for key, _name, domains in catalogue.CENTRAL_DEPARTMENTS:
            for domain in domains:
                self.central_by_domain[domain].append(f"central-{key}")

    def _lineage(self, code: str) -> list[str]:
        """The codes from the province down to `code`."""
        return [part for part in self.regions[code].path.split("/") if part]

    def _place_name(self, code: str) -> str:
        """How a citizen names a place: 临沧市永德县, 北京市朝阳区, 临沧市, 云南省."""
        region = self.regions[code]
        if region.level == RegionLevel.COUNTY and region.parent_id:
            return self.regions[region.parent_id].name + region.name
        return region.name

    def _pick_place(self, pool: str) -> tuple[str, Leader]:
        """A region and an addressee: in 临沧, elsewhere in 云南, or elsewhere in China."""
        rng = self.rng
        if pool == "lincang":
            if rng.random() < 0.7:
                region = LINCANG if rng.random() < 0.35 else rng.choice(self.lincang[1:])
                return region, rng.choice(self.leaders[LINCANG])
            county = rng.choice(self.lincang[1:])
            return county, rng.choice(self.leaders[county])
        if pool == "yunnan":
            if rng.random() < 0.3:
                region = YUNNAN if rng.random() < 0.2 else rng.choice(self.yunnan[1:])
                return region, rng.choice(self.leaders[YUNNAN])
            region = rng.choice(self.yunnan[1:])
            return region, rng.choice(self.leaders[region])
        region = CHAOYANG if rng.random() < 0.08 else rng.choice(self.elsewhere)
        return region, self._addressee(region)

    def _addressee(self, region: str) -> Leader:
        """Whom a message about `region` is for: the place's own leaders, or those of a place above it."""
        rng = self.rng
        holders = [code for code in self._lineage(region) if self.leaders.get(code)]
        holder = holders[-1] if len(holders) == 1 or rng.random() < 0.55 else rng.choice(holders[:-1])
        return rng.choice(self.leaders[holder])

    def _unit_for(self, region: str, domain: str, leader_region: str) -> Unit:
        """The unit a desk gives a message to: a department for its domain at the message's place or at
        the addressee's level (the demo's own units first), else the place's government."""
        rng = self.rng
        places = [region, leader_region] if rng.random() < 0.7 else [leader_region, region]
        if region.startswith(LINCANG[:4]) and domain == "教育":
            places = [region] if region == "530923" else [LINCANG] if rng.random() < 0.7 else places
        elif region.startswith(LINCANG[:4]) and domain == "城建" and rng.random() < 0.7:
            places = [LINCANG]
        elif region == CHAOYANG and domain in ("教育", "城建"):
            places = [CHAOYANG]
        for place in places:
            keys = self.domain_keys[domain]
            candidates = [self.units[f"{place}-{key}"] for key in keys if f"{place}-{key}" in self.units]
            if candidates:
                return candidates[0] if rng.random() < 0.6 else rng.choice(candidates)
        return self.units[f"{region}-government"]

    def _other_unit(self, unit: Unit, message: Message) -> Unit:
        """Where a message moves on from `unit`, within the unit's own place as a transfer must stay: a
        sibling department for its domain, or one at the message's place below it (another central
        department for a central one); the message's place's government when there is none."""
        keys, region = self.domain_keys[message.domain.name], unit.region_id
        if region is None:
            options = [self.units[code] for code in self.central_by_domain[message.domain.name]]
        else:
            codes = [f"{r}-{k}" for r in dict.fromkeys((region, message.region_id)) for k in keys]
            options = [self.units[code] for code in codes if code in self.units]
        options = [option for option in options if option.pk != unit.pk]
        return self.rng.choice(options or [self.units[f"{message.region_id}-government"]])

    # ----------------------------------------------------------------------------------------- accounts

    def _create_accounts(self) -> None:
        for account in DEMO_ACCOUNTS:
            user, _created = save_user_with_role(
                username=account.username,
                password=None,
                role=account.role,
                unit=Unit.objects.get(code=account.unit) if account.unit else None,
                region=Region.objects.get(pk=account.region) if account.region else None,
                phone=account.phone,
                nickname=account.nickname,
            )
            validate_password(DEMO_PASSWORD, user)
            self.users[account.username] = user
            if account.role == Role.CITIZEN:
                self.citizens.append(user)
            elif account.unit:
                self.staff[account.unit] = user
        # One hash for every demo account: the password is published anyway, and hashing it sixty times
        # with the production hasher would take half a minute.
        User.objects.filter(pk__in=[user.pk for user in self.users.values()]).update(
            password=make_password(DEMO_PASSWORD)
        )
        # Staff sign in with a second factor; the demo's come with an authenticator whose current code
        # `liuyan totp_code --username …` prints (development only).
        for account in STAFF_ACCOUNTS:
            ensure_confirmed_totp_device(self.users[account.username])
        self.editor = self.users["editor"]
        self.desk_lincang, self.desk_yunnan = self.users["desk-lincang"], self.users["desk-yunnan"]
        self.leader_lincang, self.leader_yunnan = self.users["leader-lincang"], self.users["leader-yunnan"]

    def _staff_for(self, unit: Unit) -> User:
        """Who acts for a unit or desk: a demo account, or else a staff account made for the demo without a
        usable password (`liuyan add_user` can give it one)."""
        user = self.staff.get(unit.code)
        if user is None:
            role = Role.DISPATCHER if unit.kind == UnitKind.DISPATCH_DESK else Role.HANDLER
            user, _created = save_user_with_role(
                username=f"staff-{unit.code}",
                password=None,
                role=role,
                unit=unit,
                nickname=f"{unit.name}工作人员"[:30],
            )
            self.staff[unit.code] = user
        return user

    def _dispatcher_for(self, message: Message) -> User:
        """Who works the message's desk: the demo dispatchers take every desk in 临沧 and in 云南 (their
        queues are the demo), elsewhere the desk's own staff."""
        path = self.regions[message.desk.region_id].path
        if path.startswith(f"{YUNNAN}/{LINCANG}/"):
            return self.desk_lincang
        if path.startswith(f"{YUNNAN}/"):
            return self.desk_yunnan
        return self._staff_for(message.desk)

    def _leader_user(self, message: Message) -> User | None:
        if message.region.path.startswith(f"{YUNNAN}/{LINCANG}/") and self.rng.random() < 0.7:
            return self.leader_lincang
        return self.leader_yunnan if message.region.path.startswith(f"{YUNNAN}/") else None

    # ---------------------------------------------------------------------------------------- campaigns

    def _create_campaigns(self) -> None:
        now = timezone.now()
        windows = {
            "suggestions": (now - timedelta(days=30), now + timedelta(days=30)),
            "relief": (now - timedelta(days=75), now + timedelta(days=15)),
            # Open around now so that submit_message takes its messages; moved back with them afterwards.
            "business": (now - timedelta(hours=1), now + timedelta(days=1)),
        }
        options = {
            "suggestions": {"type_codes": ["suggestion"]},
            "relief": {"type_codes": ["help"], "region_codes": [YUNNAN], "urgent_hours": 24},
            "business": {"type_codes": ["suggestion", "complaint"]},
        }
        self.campaigns: dict[str, Campaign] = {}
        for key, text in texts.CAMPAIGNS.items():
            opens_at, closes_at = windows[key]
            self.campaigns[key] = create_campaign(
                self.editor,
                title=text["title"],
                slug=text["slug"],
                description=text["description"],
                opens_at=opens_at,
                closes_at=closes_at,
                state=CampaignState.OPEN,
                **options[key],
            )
        # When each campaign's messages may have been submitted in the laid-out history.
        self.campaign_windows = {
            "suggestions": windows["suggestions"],
            "relief": windows["relief"],
            "business": (now - timedelta(days=170), now - timedelta(days=110)),
        }

    # -------------------------------------------------------------------------------------------- plans

    def _plans(self, total: int) -> list[Plan]:
        plans = self._showcase_plans()  # 112 messages, within MIN_MESSAGES
        remaining = total - sum(plan.size for plan in plans)
        while remaining > 0:
            plan = self._random_plan(remaining)
            plans.append(plan)
            remaining -= plan.size
        self.rng.shuffle(plans)
        return plans

    def _showcase_plans(self) -> list[Plan]:
        """Cases every demo has, whatever its size: full queues for each demo account, and at least one of
        every state and every way a message can go."""
        S, plans = MessageState, []
        for unit, domain, region in [
            ("530900-education", "教育", LINCANG),
            ("530900-housing", "城建", LINCANG),
            ("530923-education", "教育", "530923"),
            ("110105-education", "教育", CHAOYANG),
            ("110105-housing", "城建", CHAOYANG),
        ]:
            at = {"unit": unit, "domain": domain, "region": region}
            plans += [
                Plan(S.ASSIGNED, OVERDUE, remind=True, **at),
                Plan(S.ASSIGNED, DUE_SOON, **at),
                Plan(S.IN_PROGRESS, OVERDUE, **at),
                Plan(S.IN_PROGRESS, DUE_SOON, **at),
                Plan(S.IN_PROGRESS, IN_TIME, **at),
                Plan(S.IN_PROGRESS, IN_TIME, extension=ExtensionState.PENDING, **at),
                Plan(S.IN_PROGRESS, IN_TIME, sent_back=True, **at),
                Plan(S.REPLY_REVIEW, IN_TIME, **at),
                Plan(S.REPLIED, **at),
                Plan(S.CLOSED, supports=6, **at),
                Plan(S.CLOSED, extension=ExtensionState.APPROVED, **at),
            ]
        plans += [
            Plan(S.PUBLISHED, region="530902"),
            Plan(S.PUBLISHED, returned=True, region=LINCANG),
            Plan(S.PUBLISHED, hidden=True, region="530921"),
            Plan(S.PUBLISHED, region="530100"),
            Plan(S.PUBLISHED, returned=True, region=YUNNAN),
            Plan(S.PENDING_REVIEW, region="530922"),
            Plan(S.PENDING_REVIEW),
            Plan(S.PENDING_REVIEW, anonymous=True),
            Plan(S.REJECTED),
            Plan(S.REJECTED, region=LINCANG),
            Plan(S.WITHDRAWN),
            Plan(S.WITHDRAWN, region="530923"),
            Plan(S.CLOSED, kind="merge", duplicates=2, region="530902", domain="交通"),
            Plan(S.IN_PROGRESS, IN_TIME, kind="merge", duplicates=1, region="530100", domain="环保"),
            Plan(S.REPLIED, kind="joint", joint="delivery-delay"),
            Plan(S.CLOSED, kind="joint", joint="investor-protection"),
            Plan(S.IN_PROGRESS, IN_TIME, extension=ExtensionState.REFUSED, region="530300"),
            Plan(S.CLOSED, reopen="unsatisfied", unit="530900-education", domain="教育", region=LINCANG),
            Plan(S.IN_PROGRESS, IN_TIME, reopen="new_question", region="530100"),
            Plan(S.REPLIED, bad_rating=True, region="530902"),
            Plan(S.CLOSED, auto_close=True, region=LINCANG),
            Plan(S.CLOSED, auto_close=True),
            Plan(S.IN_PROGRESS, OVERDUE, supervise="desk", region="530924"),
            Plan(S.IN_PROGRESS, IN_TIME, supervise="leader", instruct=True, region="530100"),
            Plan(S.CLOSED, instruct=True, region=LINCANG, supports=12),
            Plan(S.IN_PROGRESS, DUE_SOON, campaign="relief"),
            Plan(S.IN_PROGRESS, OVERDUE, campaign="relief"),
            Plan(S.ASSIGNED, DUE_SOON, campaign="relief"),
            Plan(S.CLOSED, campaign="relief"),
            Plan(S.CLOSED, campaign="relief", region="530923"),
            Plan(S.CLOSED, campaign="suggestions", supports=20),
            Plan(S.CLOSED, campaign="suggestions"),
            Plan(S.IN_PROGRESS, IN_TIME, campaign="suggestions"),
            Plan(S.PUBLISHED, campaign="suggestions"),
            Plan(S.CLOSED, campaign="business"),
            Plan(S.CLOSED, campaign="business"),
            Plan(S.CLOSED, campaign="business", reopen="unsatisfied"),
            Plan(S.CLOSED, unit="central-nhsa", domain="医疗", region="440000", leader="440000-head"),
            Plan(S.IN_PROGRESS, IN_TIME, transfer=True, region="530923", domain="交通"),
            Plan(S.CLOSED, transfer=True),
            Plan(S.CLOSED, public=False),
            Plan(S.IN_PROGRESS, IN_TIME, public=False, region=LINCANG),
            Plan(S.CLOSED, anonymous=True),
            Plan(S.IN_PROGRESS, IN_TIME, anonymous=True, region="530923"),
            Plan(S.CLOSED, hidden=True),
            Plan(S.IN_PROGRESS, OVERDUE, hidden=True, region="530902"),
            Plan(S.IN_PROGRESS, IN_TIME, supplement=True, region="530902"),
            Plan(S.REPLY_REVIEW, OVERDUE, region="530100"),
        ]
        return plans

    def _random_plan(self, remaining: int) -> Plan:
        S, rng = MessageState, self.rng
        plan = Plan(_weighted(rng, TARGET_WEIGHTS))
        target = plan.target
        handled = target in HANDLING_TARGETS | {S.REPLIED, S.CLOSED}
        if target in HANDLING_TARGETS:
            plan.category = _weighted(rng, CATEGORY_WEIGHTS)
        if remaining >= 3 and target in (S.IN_PROGRESS, S.CLOSED) and rng.random() < 0.03:
            plan.kind, plan.duplicates = "merge", rng.randint(1, 2)
        if target not in (S.PENDING_REVIEW, S.REJECTED, S.WITHDRAWN):
            roll = rng.random()
            if roll < 0.04:
                plan.campaign = "suggestions"
            elif roll < 0.055:
                plan.campaign = "relief"
            elif roll < 0.075 and target == S.CLOSED:
                plan.campaign = "business"
        plan.public = rng.random() > 0.07
        plan.anonymous = rng.random() < 0.12
        plan.hidden = target != S.PENDING_REVIEW and rng.random() < 0.02
        plan.returned = rng.random() < (0.2 if target == S.PUBLISHED else 0.04 if handled else 0)
        if handled:
            plan.transfer = rng.random() < 0.07
            plan.supervise = "desk" if rng.random() < 0.05 else ""
            plan.instruct = rng.random() < 0.05
            plan.remind = rng.random() < 0.1
            plan.supplement = rng.random() < 0.05
            # Now and then the desk marks a message urgent: it must be answered within hours.
            plan.urgent = plan.campaign is None and plan.category != IN_TIME and rng.random() < 0.03
        if plan.kind == "single" and target == S.CLOSED:
            plan.reopen = "unsatisfied" if rng.random() < 0.05 else ""
            # (Not in a campaign: a short campaign window may squeeze the case below the rating window.)
            plan.auto_close = not plan.reopen and not plan.campaign and rng.random() < 0.12
        if plan.kind == "single" and target == S.IN_PROGRESS and rng.random() < 0.05:
            plan.reopen = rng.choice(["unsatisfied", "new_question"])
        if target == S.REPLIED:
            plan.bad_rating = rng.random() < 0.25
        if handled and target != S.ASSIGNED and rng.random() < 0.07:
            choices = [ExtensionState.APPROVED, ExtensionState.APPROVED, ExtensionState.REFUSED]
            if target == S.IN_PROGRESS and not plan.reopen:
                choices.append(ExtensionState.PENDING)
            plan.extension = rng.choice(choices)
        if target in (S.IN_PROGRESS, S.REPLY_REVIEW, S.REPLIED, S.CLOSED):
            plan.sent_back = rng.random() < 0.08
        return plan

    def _support_count(self) -> int:
        roll = self.rng.random()
        if roll < 0.7:
            return 0
        if roll < 0.94:
            return self.rng.randint(1, 3)
        if roll < 0.99:
            return self.rng.randint(4, 10)
        return self.rng.randint(12, 25)

    # ---------------------------------------------------------------------------------------- recording

    @contextmanager
    def _step(self, kind: str, cases: list[Case] | None = None) -> Iterator[None]:
        """Record the wall-clock interval of one action call as a step of the current case (or of `cases`)."""
        started = timezone.now()
        while started <= self._last_end:  # intervals never touch, so every timestamp belongs to one step
            started = timezone.now()
        yield
        self._last_end = ended = timezone.now()
        for case in cases or [self._case]:
            case.steps.append(Step(kind, started, ended))

    def _act(self, kind: str, action: Callable, *args, **kwargs):
        with self._step(kind):
            return action(*args, **kwargs)

    def _close_unrated(self, cases: list[Case]) -> None:
        # Judged as if the rating window of everything replied so far had passed: exactly these close.
        later = timezone.now() + timedelta(days=settings.LIUYAN_RATING_WINDOW_DAYS, hours=1)
        with self._step("auto_close", cases):
            closed = close_unrated(later)
        if closed != sum(len(case.message_ids) for case in cases):
            raise RuntimeError(f"the periodic check closed {closed} messages, not only the demo's own")

    # -------------------------------------------------------------------------------------------- cases

    def _run(self, plan: Plan) -> None:
        self._case = case = Case(plan, urgent=plan.urgent)
        self.cases.append(case)
        if plan.campaign:
            case.window = self.campaign_windows[plan.campaign]
            case.urgent = bool(self.campaigns[plan.campaign].urgent_hours)
        if plan.kind == "joint":
            self._run_joint(plan)
        elif plan.kind == "merge":
            self._run_merge(plan)
        else:
            self._run_single(plan)

    def _run_single(self, plan: Plan) -> None:
        S, rng = MessageState, self.rng
        message = self._submit(plan, self._compose(plan))
        author = self._author(message)
        if plan.target == S.PENDING_REVIEW:
            return
        if plan.target == S.WITHDRAWN:
            self._act("withdraw", withdraw_message, author, message.id)
            return
        if plan.target == S.REJECTED:
            self._act("reject", reject_message, self.editor, message.id, rng.choice(texts.REJECT_REASONS))
            return
        message = self._publish(plan, message)
        unit = self._handling_unit(plan, message)
        if plan.returned:
            wrong = self._other_unit(unit, message)
            if not can(self._dispatcher_for(message), Permission.ASSIGN, wrong):
                wrong = self.units[f"{message.region_id}-government"]
            self._assign(plan, message, wrong)
            reason = rng.choice(texts.RETURN_REASONS)
            self._act("return", return_message, self._staff_for(wrong), message.id, reason)
        if plan.target == S.PUBLISHED:
            return
        self._assign(plan, message, unit)
        if plan.transfer:
            other = self._other_unit(unit, message)
            note = rng.choice(texts.TRANSFER_NOTES).format(unit=other.name)
            self._act("transfer", transfer_message, self._staff_for(unit), message.id, other.id, note)
            unit = other
        handler = self._staff_for(unit)
        self.details[message.id]["unit"] = unit.name
        if plan.supplement:
            body = rng.choice(texts.SUPPLEMENTARY_FOLLOW_UPS)
            self._act("follow_up", follow_up_message, author, message.id, body)
        if plan.target == S.ASSIGNED:
            if plan.remind:
                self._remind(message)
            return
        self._act("accept", accept_message, handler, message.id)
        self._oversee(plan, message)
        if plan.extension:
            self._extension(plan, message, handler)
        if plan.target == S.IN_PROGRESS and not plan.reopen:
            if plan.sent_back:
                self._sent_back_reply(message, handler)
            return
        self._reply(plan, message, handler)
        if plan.target == S.REPLY_REVIEW:
            return
        if plan.target == S.REPLIED:
            if plan.bad_rating:
                self._rate(message, good=False)
            return
        if plan.reopen:
            if plan.reopen == "unsatisfied":
                self._rate(message, good=False)
                body, new_question = rng.choice(texts.UNSATISFIED_FOLLOW_UPS), False
            else:
                body, new_question = rng.choice(texts.NEW_QUESTION_FOLLOW_UPS), True
            self._act("follow_up", follow_up_message, author, message.id, body, new_question)
            if plan.target == S.IN_PROGRESS:
                return
            self._reply(plan, message, handler, second=True)
        if not plan.auto_close:
            self._rate(message, good=True)

    def _run_merge(self, plan: Plan) -> None:
        """Duplicates of one issue: the first is assigned, later ones are merged into it and follow it."""
        first = self._compose(plan)
        primary = self._publish(plan, self._submit(plan, first))
        unit = self._handling_unit(plan, primary)
        self._assign(plan, primary, unit)
        handler = self._staff_for(unit)
        self.details[primary.id]["unit"] = unit.name
        duplicates = []
        for _ in range(plan.duplicates):
            again = self._compose(plan, region=first["region"], leader=first["leader"], base=first)
            duplicate = self._submit(plan, again)
            self._act("publish", publish_message, self.editor, duplicate.id)
            merger = self.editor if self.rng.random() < 0.3 else self._dispatcher_for(primary)
            self._act("merge", merge_messages, merger, duplicate.id, primary.id)
            duplicates.append(duplicate)
        self._act("accept", accept_message, handler, primary.id)
        if plan.target == MessageState.IN_PROGRESS:
            return
        self._reply(plan, primary, handler)
        for message in [primary, *duplicates]:
            self._rate(message, good=True)

    def _run_joint(self, plan: Plan) -> None:
        """Several citizens, one issue, one unit: a joint reply (公开回复) answers them all."""
        rng = self.rng
        topic = texts.JOINT_CASES[plan.joint]
        if plan.joint == "delivery-delay":
            unit = self.units[f"{LINCANG}-housing"]
            leaders = [
                self.leader_by_code[f"{LINCANG}-{role}"] for role in ("head", "secretary", "head", "head")
            ]
            places = [("530902" if i % 2 else LINCANG, leader) for i, leader in enumerate(leaders)]
        else:
            unit = self.units["central-csrc"]
            places = [(code, rng.choice(self.leaders[code])) for code in rng.sample(self.provinces, 4)]
        messages, first = [], None
        for region, leader in places:
            composed = self._compose(plan, region=region, leader=leader, topic=topic, base=first)
            first = first or composed
            message = self._publish(plan, self._submit(plan, composed))
            self._assign(plan, message, unit)
            messages.append(message)
        handler = self._staff_for(unit)
        for message in messages:
            self._act("accept", accept_message, handler, message.id)
        primary, others = messages[0], [message.id for message in messages[1:]]
        self.details[primary.id]["unit"] = unit.name
        body = topic.replies[0].format_map(self.details[primary.id])
        reply = self._act("reply", submit_reply, handler, primary.id, body, others)
        self._act("approve", approve_reply, self.editor, reply.id)
        if plan.target == MessageState.CLOSED:
            for message in messages:
                self._rate(message, good=True)

    # ------------------------------------------------------------------------------- writing a message

    def _compose(
        self,
        plan: Plan,
        *,
        region: str | None = None,
        leader: Leader | None = None,
        topic: texts.Topic | None = None,
        base: dict | None = None,
    ) -> dict:
        """Who writes what to whom: the author, the addressee, the place, the topic and the filled texts.
        With `base`, another citizen's message about the same thing (same place, topic and details)."""
        rng = self.rng
        if leader is None:
            if plan.leader:
                leader = self.leader_by_code[plan.leader]
                region = plan.region or leader.region_id
            elif plan.region:
                region, leader = plan.region, self._addressee(plan.region)
            else:
                roll = rng.random()
                pool = "lincang" if roll < 0.42 else "yunnan" if roll < 0.6 else "elsewhere"
                if plan.campaign == "relief":
                    pool = "lincang" if roll < 0.5 else "yunnan"
                region, leader = self._pick_place(pool)
        topic = topic or (base["topic"] if base else self._pick_topic(plan))
        details = self._details(region, leader)
        if base:  # the same estate, road, school …; the writer's own place, addressee and numbers
            own = ("leader", "place", "short_place", "phone", "landline", "id_number", "surname")
            details |= {key: value for key, value in base["details"].items() if key not in own}
        if topic.type == "thanks":
            details["deed"] = texts.THANKS_DEEDS[topic.domain].format_map(details)
        titles = [template.format_map(details) for template in topic.titles]
        if base and len(titles) > 1:  # another voice on the same matter words its title differently
            titles = [title for title in titles if title != base["title"]] or titles
        title = rng.choice(titles)
        parts = [
            rng.choice(texts.OPENERS[topic.type]),
            rng.choice(topic.bodies),
            rng.choice(texts.CLOSERS[topic.type]),
        ]
        if rng.random() < 0.22:
            parts.append(rng.choice(texts.CONTACT_LINES))
        body = "".join(parts).format_map(details)
        author = rng.choice(self.citizens[: rng.choice([12, 30, len(self.citizens)])])
        if base:
            author = rng.choice([c for c in self.citizens if c.pk != base["author"].pk])
        roll = rng.random()
        phone = author.phone if author.phone and roll < 0.5 else details["phone"] if roll > 0.8 else ""
        return {
            "author": author,
            "leader": leader,
            "region": region,
            "topic": topic,
            "title": title,
            "body": body,
            "details": details,
            "contact_phone": phone,
        }

    def _pick_topic(self, plan: Plan) -> texts.Topic:
        rng = self.rng
        if plan.target == MessageState.REJECTED and rng.random() < 0.5:
            return rng.choice(texts.REJECTED_TOPICS)
        if plan.campaign == "relief":
            return rng.choice(texts.RELIEF_TOPICS)
        if plan.campaign == "suggestions":
            return rng.choice([topic for topic in texts.TOPICS if topic.type == "suggestion"])
        if plan.campaign == "business":
            domains, types = ("企业", "政务", "金融"), ("suggestion", "complaint")
            return rng.choice([t for t in texts.TOPICS if t.domain in domains and t.type in types])
        domain = plan.domain or _weighted(rng, DOMAIN_WEIGHTS)
        if rng.random() < 0.05:
            return texts.Topic(
                f"thanks-{domain}",
                domain,
                "thanks",
                texts.THANKS_TITLES,
                texts.THANKS_BODIES,
                texts.THANKS_REPLIES,
            )
        return rng.choice([topic for topic in texts.TOPICS if topic.domain == domain])

    def _details(self, region: str, leader: Leader) -> dict[str, str]:
        """One draw of every detail a template may name, for a message about `region` to `leader`."""
        rng = self.rng
        road, road2 = rng.sample(texts.ROADS, 2)
        born = datetime(1950, 1, 1) + timedelta(days=rng.randint(0, 55 * 365))
        id_number = f"{region}{born:%Y%m%d}{rng.randint(0, 999):03d}"
        return {
            "leader": leader.title,
            "place": self._place_name(region),
            "short_place": self.regions[region].name,
            "town": rng.choice(texts.TOWNS),
            "village": rng.choice(texts.VILLAGES),
            "community": rng.choice(texts.COMMUNITIES),
            "estate": rng.choice(texts.ESTATES),
            "road": road,
            "road2": road2,
            "school": rng.choice(texts.SCHOOLS),
            "hospital": rng.choice(texts.HOSPITALS),
            "company": rng.choice(texts.COMPANIES),
            "scenic": rng.choice(texts.SCENIC_SPOTS),
            "bus": rng.choice(texts.BUS_LINES),
            "crop": rng.choice(texts.CROPS),
            "building": rng.choice(texts.BUILDINGS),
            "duration": rng.choice(texts.DURATIONS),
            "deadline": rng.choice(texts.DEADLINES),
            "surname": rng.choice(texts.SURNAMES),
            "count": str(rng.randint(2, 6)),
            "people": str(rng.randint(8, 40)),
            "age": str(rng.randint(3, 14)),
            "year_bought": str(timezone.localdate().year - rng.randint(3, 9)),
            "fee": str(rng.randrange(120, 700, 10)),
            "money": rng.choice(["3800", "6500", "1.2万", "2.6万", "5万", "8.8万"]),
            "big_money": rng.choice(["23万", "36万", "58万", "86万", "120万", "210万"]),
            "phone": f"1{rng.choice('35789')}{rng.randint(0, 999_999_999):09d}",
            "landline": f"{rng.choice(AREA_CODES)}-{rng.randint(2_000_000, 8_999_999)}",
            "id_number": id_number + _id_check_digit(id_number),
            "unit": "",
        }

    # ----------------------------------------------------------------------------------- action helpers

    def _submit(self, plan: Plan, composed: dict) -> Message:
        campaign = self.campaigns[plan.campaign] if plan.campaign else None
        topic = composed["topic"]
        message = self._act(
            "submit",
            submit_message,
            composed["author"],
            leader_id=composed["leader"].id,
            message_type=topic.type,
            domain=topic.domain,
            title=composed["title"],
            body=composed["body"],
            region_code=composed["region"],
            campaign_slug=campaign.slug if campaign else None,
            public=plan.public,
            anonymous=plan.anonymous,
            contact_phone=composed["contact_phone"],
        )
        self._case.message_ids.append(message.id)
        self.details[message.id] = dict(composed["details"])
        self.topics[message.id] = topic
        return message

    def _author(self, message: Message) -> User:
        return next(citizen for citizen in self.citizens if citizen.pk == message.author_id)

    def _publish(self, plan: Plan, message: Message) -> Message:
        """Publish; other citizens support a public message; an editor may hide it. The message reloaded."""
        self._act("publish", publish_message, self.editor, message.id)
        if plan.public and not plan.hidden:
            others = [citizen for citizen in self.citizens if citizen.pk != message.author_id]
            for supporter in self.rng.sample(
                others, min(plan.supports or self._support_count(), len(others))
            ):
                self._act("support", support_message, supporter, message.id)
        if plan.hidden:
            self._act("hide", hide_message, self.editor, message.id, self.rng.choice(texts.HIDE_REASONS))
        related = ("region", "desk", "leader__region", "domain")
        return Message.objects.select_related(*related).get(pk=message.pk)

    def _handling_unit(self, plan: Plan, message: Message) -> Unit:
        if plan.unit:
            return self.units[plan.unit]
        # A province's desk now and then passes a message on to a central department.
        central = self.central_by_domain.get(message.domain.name)
        if central and message.leader.region.level == RegionLevel.PROVINCE and self.rng.random() < 0.05:
            return self.units[self.rng.choice(central)]
        return self._unit_for(message.region_id, message.domain.name, message.leader.region_id)

    def _assign(self, plan: Plan, message: Message, unit: Unit) -> None:
        note = self.rng.choice(texts.ASSIGN_NOTES)
        urgent = True if plan.urgent else None
        self._act("assign", assign_message, self._dispatcher_for(message), message.id, unit.id, note, urgent)

    def _remind(self, message: Message) -> None:
        note = self.rng.choice(texts.REMIND_NOTES)
        self._act("remind", remind_message, self._dispatcher_for(message), message.id, note)

    def _oversee(self, plan: Plan, message: Message) -> None:
        rng = self.rng
        if plan.remind:
            self._remind(message)
        leader = self._leader_user(message)
        if plan.supervise:
            who = leader if plan.supervise == "leader" and leader else self._dispatcher_for(message)
            self._act("supervise", supervise_message, who, message.id, rng.choice(texts.SUPERVISE_NOTES))
        if plan.instruct and leader:
            self._act("instruct", instruct_message, leader, message.id, rng.choice(texts.INSTRUCTIONS))

    def _extension(self, plan: Plan, message: Message, handler: User) -> None:
        rng = self.rng
        days, reason = rng.choice([5, 10, 15]), rng.choice(texts.EXTENSION_REASONS)
        extension = self._act("request_extension", request_extension, handler, message.id, days, reason)
        if plan.extension == ExtensionState.PENDING:
            return
        approve = plan.extension == ExtensionState.APPROVED
        note = rng.choice(texts.EXTENSION_APPROVALS if approve else texts.EXTENSION_REFUSALS)
        dispatcher = self._dispatcher_for(message)
        self._act("decide_extension", decide_extension, dispatcher, extension.id, approve, note)

    def _sent_back_reply(self, message: Message, handler: User) -> None:
        """A perfunctory answer that the editor sends back (退回回复)."""
        rng = self.rng
        reply = self._act("reply", submit_reply, handler, message.id, rng.choice(texts.PERFUNCTORY_REPLIES))
        self._act("send_back", send_back_reply, self.editor, reply.id, rng.choice(texts.SEND_BACK_REASONS))

    def _reply(self, plan: Plan, message: Message, handler: User, *, second: bool = False) -> None:
        if plan.sent_back and not second:
            self._sent_back_reply(message, handler)
        details, topic = self.details[message.id], self.topics[message.id]
        template = self.rng.choice(texts.SECOND_REPLIES if second else topic.replies)
        body = (template + self.rng.choice(texts.REPLY_CLOSINGS)).format_map(details)
        reply = self._act("reply", submit_reply, handler, message.id, body)
        if plan.target != MessageState.REPLY_REVIEW:
            self._act("approve", approve_reply, self.editor, reply.id)

    def _rate(self, message: Message, *, good: bool) -> None:
        rng = self.rng
        if good:
            scores = [rng.choice([3, 4, 4, 5, 5, 5]) for _ in range(3)]
            comment = rng.choice(texts.GOOD_RATING_COMMENTS)
        else:
            scores = [rng.choice([1, 2, 2, 3]), rng.choice([1, 2, 3]), rng.choice([1, 2])]
            comment = rng.choice(texts.BAD_RATING_COMMENTS)
        resolution, attitude, speed = scores
        self._act(
            "rate",
            rate_message,
            self._author(message),
            message.id,
            resolution=resolution,
            attitude=attitude,
            speed=speed,
            comment=comment,
        )

    # ------------------------------------------------------------------------------- laying out history

    def _lay_out_history(self) -> None:
        """Move every case onto the past six months (see the module docstring)."""
        self.now = timezone.now()
        ids = [pk for case in self.cases for pk in case.message_ids]
        self.messages = Message.objects.select_related("region", "message_type", "campaign").in_bulk(ids)
        self.events: dict[int, list[tuple[str, datetime]]] = defaultdict(list)
        for message_id, kind, created_at in (
            Event.objects.filter(message_id__in=ids)
            .order_by("created_at", "id")
            .values_list("message_id", "kind", "created_at")
        ):
            self.events[message_id].append((kind, created_at))
        self.extension_days: dict[int, list[int]] = defaultdict(list)
        for message_id, days in (
            ExtensionRequest.objects.filter(message_id__in=ids, state=ExtensionState.APPROVED)
            .order_by("decided_at", "id")
            .values_list("message_id", "days")
        ):
            self.extension_days[message_id].append(days)
        for index, case in enumerate(self.cases):
            self._place(case, random.Random(f"{index}-{case.primary_id}"))
        self._move_rows()

    def _gaps(self, case: Case, rng: random.Random) -> list[timedelta]:
        gaps = [timedelta(0)]
        for step in case.steps[1:]:
            table = URGENT_GAP_HOURS if case.urgent and step.kind in URGENT_GAP_HOURS else GAP_HOURS
            low, high = table[step.kind]
            gaps.append(timedelta(hours=math.exp(rng.uniform(math.log(low), math.log(high)))))
        return gaps

    def _place(self, case: Case, rng: random.Random) -> None:
        """Choose when the case's first step happened, and so when each of its steps did."""
        now, plan = self.now, case.plan
        state = self.messages[case.primary_id].state
        if state != plan.target:
            raise RuntimeError(f"a demo case ended in {state}, planned {plan.target}")
        latest = now - LATEST - timedelta(minutes=rng.uniform(0, 30))
        window_lo, window_hi = case.window or (now - HISTORY, latest)
        lo = max(now - HISTORY, window_lo)
        gaps = self._gaps(case, rng)
        offsets = list(itertools.accumulate(gaps))
        if offsets[-1] and lo + offsets[-1] > latest:  # a long story in a short window: it went faster
            factor = (latest - lo) / offsets[-1] * rng.uniform(0.5, 0.9)
            offsets = [offset * factor for offset in offsets]
        hi = min(window_hi, latest - offsets[-1])
        if plan.category:
            start = self._start_for_deadline(case, offsets, lo, hi, rng)
        elif state == MessageState.PENDING_REVIEW:
            start = latest - timedelta(hours=rng.uniform(0.2, 48))
        elif state == MessageState.PUBLISHED:
            start = hi - timedelta(hours=rng.uniform(0, 72))
        elif state == MessageState.REPLIED:  # still within its rating window
            start = hi - timedelta(hours=rng.uniform(0, 24))
        else:
            # Open messages crowd the last weeks; finished ones thin out towards now, to even the volume.
            share = rng.random() if rng.random() < 0.5 else 1 - math.sqrt(1 - rng.random())
            start = lo + (hi - lo) * share
        start = max(start, lo)
        case.sim_starts = [start + offset for offset in offsets]

    def _start_for_deadline(
        self, case: Case, offsets: list[timedelta], lo: datetime, hi: datetime, rng: random.Random
    ) -> datetime:
        """A start that leaves the primary message overdue, due within 24 hours or in time, as planned;
        else the next category that can happen (a working-day deadline cannot fall due on a day off)."""
        now, message = self.now, self.messages[case.primary_id]

        def deadline_at(start: datetime) -> datetime:
            sim_starts = [start + offset for offset in offsets]
            events = [(kind, case.moved(at, sim_starts)) for kind, at in self.events[message.pk]]
            accept, reply = self._deadlines(message, events)
            return accept if message.state == MessageState.ASSIGNED else reply

        order = {
            OVERDUE: [OVERDUE, DUE_SOON],
            DUE_SOON: [DUE_SOON, IN_TIME, OVERDUE],
            IN_TIME: [IN_TIME, DUE_SOON, OVERDUE],
        }
        for category in order[case.plan.category]:
            if category == IN_TIME:
                for start in (
                    hi - timedelta(days=rng.uniform(0, 12)),
                    hi - timedelta(days=rng.uniform(0, 4)),
                    hi - timedelta(hours=rng.uniform(0, 12)),
                    hi,
                ):
                    if start >= lo and deadline_at(start) > now + timedelta(hours=25):
                        return start
            elif category == DUE_SOON:
                soon, late = now + timedelta(minutes=30), now + timedelta(hours=23, minutes=30)
                if deadline_at(hi) < soon or deadline_at(lo) >= late:
                    continue
                # The latest start whose deadline falls before `late` (a deadline grows with its start).
                low, high = (hi, hi) if deadline_at(hi) < late else (lo, hi)
                while high - low > timedelta(minutes=10):
                    middle = low + (high - low) / 2
                    low, high = (middle, high) if deadline_at(middle) < late else (low, middle)
                if deadline_at(low) >= soon:
                    return low
            else:
                lateness = timedelta(hours=math.exp(rng.uniform(math.log(2), math.log(24 * 25))))
                start, step = hi, timedelta(days=1)
                while start > lo and deadline_at(start) >= now - lateness:
                    start, step = start - step, step * 2
                start = max(start, lo)
                if deadline_at(start) < now:
                    return max(lo, start - timedelta(days=rng.uniform(0, 3)))
        return hi

    def _deadlines(
        self, message: Message, events: list[tuple[str, datetime]]
    ) -> tuple[datetime | None, datetime | None]:
        """The accept and reply deadlines the actions set, had the message's events happened at these times:
        assigning sets both, a transfer the accept deadline, reopening the reply deadline, and an approved
        extension moves the reply deadline (board.actions: dispatch, feedback, handling)."""
        accept = reply = None
        extensions = iter(self.extension_days[message.pk])
        for kind, at in events:
            if kind == EventKind.ASSIGNED:
                accept, reply = self._handling_deadlines(message, at)
            elif kind == EventKind.TRANSFERRED:
                accept = self._handling_deadlines(message, at)[0]
            elif kind == EventKind.REOPENED:
                reply = self._handling_deadlines(message, at)[1]
            elif kind == EventKind.EXTENSION_APPROVED:
                reply = deadlines.extended(reply, next(extensions))
        return accept, reply

    def _handling_deadlines(self, message: Message, start: datetime) -> tuple[datetime, datetime]:
        """`deadlines.handling_deadlines`, remembered for deadlines counted in working days: those depend on
        the day of `start` only (directory.calendar.add_working_days), and placing the cases asks for the
        same days thousands of times."""
        if deadlines.urgent_reply_hours(message) is not None:  # counted in hours from `start`
            return deadlines.handling_deadlines(message, start)
        day = timezone.localdate(start, timezone.get_default_timezone())
        key = (message.region_id, message.message_type_id, day)
        if key not in self._working_day_deadlines:
            self._working_day_deadlines[key] = deadlines.handling_deadlines(message, start)
        return self._working_day_deadlines[key]

    def _move_rows(self) -> None:
        """Write the laid-out times into every row the cases wrote."""
        case_of = {pk: case for case in self.cases for pk in case.message_ids}
        ids = list(self.messages)

        def move(model, fields: list[str], rows: list, message_of=lambda row: row.message_id) -> list:
            for row in rows:
                case = case_of[message_of(row)]
                for name in fields:
                    if (value := getattr(row, name)) is not None:
                        setattr(row, name, case.moved(value))
            _write(model, fields, rows)
            return rows

        def rows_of(model, *fields: str) -> list:
            return list(model.objects.filter(message_id__in=ids).only("id", "message_id", *fields))

        move(Event, ["created_at"], rows_of(Event, "created_at"))
        move(Rating, ["created_at"], rows_of(Rating, "created_at"))
        move(FollowUp, ["created_at"], rows_of(FollowUp, "created_at"))
        move(
            ExtensionRequest,
            ["created_at", "decided_at"],
            rows_of(ExtensionRequest, "created_at", "decided_at"),
        )
        move(Instruction, ["created_at"], rows_of(Instruction, "created_at"))
        move(Support, ["created_at"], rows_of(Support, "created_at"))
        answered = dict(
            Reply.messages.through.objects.filter(message_id__in=ids).values_list("reply_id", "message_id")
        )
        replies = list(Reply.objects.filter(pk__in=answered).only("id", "created_at", "reviewed_at"))
        move(Reply, ["created_at", "reviewed_at"], replies, message_of=lambda row: answered[row.pk])
        notifications = move(Notification, ["created_at"], rows_of(Notification, "created_at"))
        for notification in notifications:
            if notification.created_at < self.now - READ_AFTER:
                notification.read_at = notification.created_at + timedelta(
                    minutes=self.rng.uniform(10, 24 * 60)
                )
        _write(Notification, ["read_at"], [n for n in notifications if n.read_at])

        events: dict[int, list[tuple[str, datetime]]] = defaultdict(list)
        for message_id, kind, created_at in (
            Event.objects.filter(message_id__in=ids)
            .order_by("created_at", "id")
            .values_list("message_id", "kind", "created_at")
        ):
            events[message_id].append((kind, created_at))
        messages = list(self.messages.values())
        for message in messages:
            case = case_of[message.pk]
            for name in ("created_at", "published_at", "assigned_at", "accepted_at", "replied_at"):
                if (value := getattr(message, name)) is not None:
                    setattr(message, name, case.moved(value))
            # close_unrated stamps closed_at with the moment it judged by; its event says when that was.
            closings = [at for kind, at in events[message.pk] if kind == EventKind.CLOSED]
            message.closed_at = closings[-1] if closings else None
            message.accept_deadline, message.reply_deadline = self._deadlines(message, events[message.pk])
        fields = ["created_at", "published_at", "assigned_at", "accepted_at", "replied_at", "closed_at"]
        _write(Message, [*fields, "accept_deadline", "reply_deadline"], messages)
        self._renumber(messages)
        self._date_accounts_and_campaigns(messages)

    def _renumber(self, messages: list[Message]) -> None:
        """Serials carry the submission day (LY + date + that day's sequence): renumber by the moved days."""
        written_on = {_serial_day(message.serial) for message in messages}
        renamed: dict[str, str] = {}
        per_day: Counter = Counter()
        for message in sorted(messages, key=lambda m: (m.created_at, m.pk)):
            day = timezone.localdate(message.created_at)
            per_day[day] += 1
            renamed[message.serial] = f"LY{day:%Y%m%d}{per_day[day]:06d}"
        new_serials = {message.pk: renamed[message.serial] for message in messages}
        # Through temporary values, so that no two rows hold the same serial at any moment.
        for message in messages:
            message.serial = f"TMP{message.pk}"
        _write(Message, ["serial"], messages)
        for message in messages:
            message.serial = new_serials[message.pk]
        _write(Message, ["serial"], messages)
        SerialCounter.objects.filter(day__in=written_on - set(per_day)).delete()
        for day, count in per_day.items():
            SerialCounter.objects.update_or_create(day=day, defaults={"last": count})
        # Event notes (并单) and notification texts name serials.
        serial = re.compile(r"LY\d{14}")
        ids = list(self.messages)
        for model, name in ((Event, "note"), (Notification, "text")):
            rows = list(
                model.objects.filter(message_id__in=ids, **{f"{name}__contains": "LY"}).only("id", name)
            )
            for row in rows:
                setattr(
                    row, name, serial.sub(lambda match: renamed.get(match[0], match[0]), getattr(row, name))
                )
            _write(model, [name], rows)

    def _date_accounts_and_campaigns(self, messages: list[Message]) -> None:
        """Accounts joined before they first wrote; campaigns were set up before they opened."""
        rng, now = self.rng, self.now
        first_written: dict[int, datetime] = {}
        for message in messages:
            if (
                message.author_id not in first_written
                or message.created_at < first_written[message.author_id]
            ):
                first_written[message.author_id] = message.created_at
        users = list({user.pk: user for user in [*self.users.values(), *self.staff.values()]}.values())
        for user in users:
            if (first := first_written.get(user.pk)) is not None:
                user.date_joined = first - timedelta(days=rng.uniform(1, 60))
            else:
                user.date_joined = now - HISTORY - timedelta(days=rng.uniform(5, 30))
        _write(User, ["date_joined"], users)
        joined = {user.pk: user.date_joined for user in users}
        memberships = list(RoleMembership.objects.filter(user_id__in=joined))
        for membership in memberships:
            membership.created_at = joined[membership.user_id]
        _write(RoleMembership, ["created_at"], memberships)
        for key, campaign in self.campaigns.items():
            if key == "business":
                campaign.opens_at, campaign.closes_at = self.campaign_windows[key]
            campaign.created_at = campaign.opens_at - timedelta(days=rng.uniform(1, 5))
            campaign.save(update_fields=["opens_at", "closes_at", "created_at"])


def _write(model, fields: list[str], rows: list) -> None:
    """Save `fields` of `rows`: one statement run for all rows (tens of thousands of events and
    notifications), where bulk_update would build a CASE expression per batch."""
    if not rows:
        return
    opts, ops = model._meta, connection.ops
    columns = [opts.get_field(name) for name in fields]
    assignments = ", ".join(f"{ops.quote_name(column.column)} = %s" for column in columns)
    table, key = ops.quote_name(opts.db_table), ops.quote_name(opts.pk.column)
    sql = f"UPDATE {table} SET {assignments} WHERE {key} = %s"
    params = [
        [column.get_db_prep_save(getattr(row, column.attname), connection) for column in columns] + [row.pk]
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _weighted(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _serial_day(serial: str):
    return datetime.strptime(serial[2:10], "%Y%m%d").date()


def _id_check_digit(first17: str) -> str:
    """The check character of an 18-character resident ID number (GB 11643)."""
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights, strict=True)) % 11]


def demo_accounts() -> list[tuple[str, str, str]]:
    """(role, username, scope) of each demo account, for the command's table."""
    units = dict(
        Unit.objects.filter(code__in=[a.unit for a in DEMO_ACCOUNTS if a.unit]).values_list("code", "name")
    )
    regions = dict(
        Region.objects.filter(code__in=[a.region for a in DEMO_ACCOUNTS if a.region]).values_list(
            "code", "name"
        )
    )
    rows = []
    for account in DEMO_ACCOUNTS:
        if account.unit:
            scope = f"{units[account.unit]}（{account.unit}）"
        elif account.region:
            scope = f"{regions[account.region]}（{account.region}）"
        else:
            scope = "全平台" if account.role != Role.CITIZEN else "本人留言"
        rows.append((account.role.label, account.username, scope))
    return rows


def summarize() -> DemoReport:
    """What the database holds now: counts by state, the notable cases, the campaigns."""
    now = timezone.now()
    counts = Counter(Message.objects.values_list("state", flat=True))
    handled = list(
        Message.objects.filter(state__in=HANDLING_TARGETS, merged_into=None).only(
            "state", "accept_deadline", "reply_deadline"
        )
    )
    # A joint reply answers several messages in their own right (merged duplicates also join their reply).
    joint = Reply.objects.annotate(answered=Count("messages", filter=Q(messages__merged_into=None)))
    joint = joint.filter(answered__gt=1)
    return DemoReport(
        states={state.label: counts.get(state.value, 0) for state in MessageState},
        features={
            "隐藏": Message.objects.filter(hidden=True).count(),
            "不公开": Message.objects.filter(public=False).count(),
            "匿名": Message.objects.filter(anonymous=True).count(),
            "并单": Message.objects.exclude(merged_into=None).count(),
            "一答多的公开回复": joint.filter(state=ReplyState.PUBLISHED).count(),
            "被退回的回复": Reply.objects.filter(state=ReplyState.SENT_BACK).count(),
            "评价": Rating.objects.count(),
            "追问后重新办理": FollowUp.objects.filter(reopened=True).count(),
            "延期待审批": ExtensionRequest.objects.filter(state=ExtensionState.PENDING).count(),
            "延期已同意": ExtensionRequest.objects.filter(state=ExtensionState.APPROVED).count(),
            "延期未同意": ExtensionRequest.objects.filter(state=ExtensionState.REFUSED).count(),
            "催办": Event.objects.filter(kind=EventKind.REMINDED).count(),
            "督办": Message.objects.filter(supervised=True).count(),
            "批示": Instruction.objects.count(),
            "超期未办": sum(is_overdue(message, now) for message in handled),
            "24 小时内到期": sum(is_due_soon(message, now) for message in handled),
            "点赞": Support.objects.count(),
        },
        campaigns=[
            (campaign.title, campaign.get_state_display(), campaign.messages.count())
            for campaign in Campaign.objects.order_by("opens_at")
        ],
    )
