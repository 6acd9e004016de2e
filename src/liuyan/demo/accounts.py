"""The demo's people: a sign-in for every role with one published password, the citizens who write, and
the staff who act for the units the cases pass through."""

import random
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password

from liuyan.accounts.actions import save_user_with_role
from liuyan.accounts.choices import Role
from liuyan.accounts.models import User
from liuyan.accounts.two_factor import ensure_confirmed_totp_device
from liuyan.board.models import Message
from liuyan.demo.places import LINCANG, YUNNAN, Places
from liuyan.directory.choices import UnitKind
from liuyan.directory.models import Region, Unit

DEMO_PASSWORD = "Liuyan-demo-2026"


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


class Cast:
    """The demo accounts once created, and who acts for each unit, desk and leader."""

    def __init__(self, places: Places, rng: random.Random):
        self.places = places
        self.rng = rng
        self.users: dict[str, User] = {}  # demo username → account
        self.staff: dict[str, User] = {}  # unit code → the handler or dispatcher acting for it
        self.citizens: list[User] = []

    def create(self) -> None:
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

    def staff_for(self, unit: Unit) -> User:
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

    def dispatcher_for(self, message: Message) -> User:
        """Who works the message's desk: the demo dispatchers take every desk in 临沧 and in 云南 (their
        queues are the demo), elsewhere the desk's own staff."""
        path = self.places.regions[message.desk.region_id].path
        if path.startswith(f"{YUNNAN}/{LINCANG}/"):
            return self.desk_lincang
        if path.startswith(f"{YUNNAN}/"):
            return self.desk_yunnan
        return self.staff_for(message.desk)

    def leader_user(self, message: Message) -> User | None:
        if message.region.path.startswith(f"{YUNNAN}/{LINCANG}/") and self.rng.random() < 0.7:
            return self.leader_lincang
        return self.leader_yunnan if message.region.path.startswith(f"{YUNNAN}/") else None


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
