"""Forms shared by the pages, and how an action's refusal is shown on a form."""

import re

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm

from liuyan import inputs
from liuyan.accounts.actions import CODE_PATTERN
from liuyan.accounts.limits import sign_in_refusal
from liuyan.board.actions.base import ActionError
from liuyan.board.attachments import MAX_ATTACHMENTS
from liuyan.board.models import BODY_MAX, BODY_MIN, TITLE_MAX, TITLE_MIN, Campaign
from liuyan.directory import lookups
from liuyan.directory import selectors as directory_selectors
from liuyan.directory.choices import RegionLevel
from liuyan.directory.models import Leader, Region, Unit
from liuyan.reports.choices import Bucket


class LineField(forms.CharField):
    """One line of typed text: refused when it holds a control character (liuyan/inputs.py)."""

    default_validators = [inputs.check_line]


def day_in_range(value) -> None:
    """A form validator: a date or time the board can count with (inputs.FIRST_DAY–LAST_DAY)."""
    try:
        inputs.check_day(value)
    except ValueError as error:
        raise forms.ValidationError(str(error), code="out_of_range") from None


class TextField(forms.CharField):
    """Several lines of typed text: line breaks and tabs kept, other control characters refused."""

    widget = forms.Textarea
    default_validators = [inputs.check_text]


def show_action_error(form: forms.Form, error: ActionError) -> None:
    """Put each of the action's field errors next to its field; the rest above the form."""
    placed = False
    for field, message in error.errors.items():
        name = field if field in form.fields else None
        form.add_error(name, message)
        placed = True
    if not placed:
        form.add_error(None, error.message)


# ---- Citizen pages and accounts -------------------------------------------------------------------


class RegistrationForm(forms.Form):
    """Sign-up; a phone number is optional and, when given, proved with a texted code."""

    username = LineField(label="用户名", max_length=30, help_text="3–30 个字符，可用汉字、字母、数字")
    nickname = LineField(label="昵称", max_length=30, required=False, help_text="公开显示的名字，可不填")
    phone = LineField(
        label="手机号",
        max_length=11,
        required=False,
        help_text="可不填；填写后须先获取短信验证码，便于接收办理进度短信",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "tel"}),
    )
    code = LineField(
        label="短信验证码",
        max_length=6,
        required=False,
        help_text="填写手机号时必填：点击“发送验证码”后，输入短信中的 6 位数字（10 分钟内有效）",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )
    password = LineField(
        label="密码",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="至少 8 位，不能全是数字",
    )
    password_again = LineField(
        label="再次输入密码", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", "两次输入的密码不一致。")
        if data.get("phone"):
            code = (data.get("code") or "").strip()
            if not code:
                self.add_error("code", "请先点击“发送验证码”，再输入短信中的 6 位数字验证码。")
            elif not CODE_PATTERN.match(code):
                self.add_error("code", "请输入短信中的 6 位数字验证码。")
        return data


class PhoneCodeRequestForm(forms.Form):
    """The first step of signing up with a phone: the number to text a code to."""

    phone = LineField(max_length=11, error_messages={"required": "请先填写手机号，再获取验证码。"})


TOO_MANY_ATTEMPTS = "too_many_attempts"


class SignInLimitMixin:
    """On a sign-in form: say that the failed sign-in limits refused the try, not "wrong password"."""

    def get_invalid_login_error(self):
        refusal = sign_in_refusal(self.request)
        if refusal is not None:
            return forms.ValidationError(refusal.message, code=TOO_MANY_ATTEMPTS)
        return super().get_invalid_login_error()


class LoginForm(SignInLimitMixin, AuthenticationForm):
    error_messages = {
        "invalid_login": "用户名或密码不正确（密码区分大小写）。",
        "inactive": "这个账号已停用。",
    }


class AdminLoginForm(SignInLimitMixin, AdminAuthenticationForm):
    """The Django admin's sign-in, which passes the same limits as the site's and the API's."""


class PasswordResetForm(forms.Form):
    """Finding one's way back in: the verified phone, the code texted to it, and a new password."""

    phone = LineField(
        label="手机号",
        max_length=11,
        help_text="注册时验证过的手机号",
        error_messages={"required": "请填写手机号。"},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "tel"}),
    )
    code = LineField(
        label="短信验证码",
        max_length=6,
        required=False,
        help_text="点击“发送验证码”后，输入短信中的 6 位数字（10 分钟内有效）",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )
    password = LineField(
        label="新密码",
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="至少 8 位，不能全是数字",
    )
    password_again = LineField(
        label="再次输入新密码",
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        if not (data.get("code") or "").strip():
            self.add_error("code", "请先点击“发送验证码”，再输入短信中的 6 位数字验证码。")
        if not data.get("password"):
            self.add_error("password", "请输入新密码。")
        elif data.get("password") != data.get("password_again"):
            self.add_error("password_again", "两次输入的密码不一致。")
        return data


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several uploads under one name; the submission action checks each file by its content."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        return [upload for upload in (data or []) if upload]


REGION_LEVELS = 4
PLACE_LABELS = {
    RegionLevel.PROVINCE: "省（自治区、直辖市）",
    RegionLevel.PREFECTURE: "市（地区、州、盟）",
    RegionLevel.COUNTY: "县（市、区、旗）",
    RegionLevel.TOWNSHIP: "乡（镇、街道）",
}
CHOOSE = "请选择"


class PostMessageForm(forms.Form):
    """A citizen's message: the place and the leader, what it is about, and the text.

    The place is chosen level by level (`region_1` … `region_4`), or found by its name (`place_q`). Each
    level's choices come from the level above, so that without JavaScript the page is re-shown with the
    next level after each choice; post.js fills them in place from the API. The leaders offered are those
    of the chosen place and of the places above it, nearest first. Lengths and the rest are checked by the
    submission action.
    """

    region_1 = forms.ChoiceField(label=PLACE_LABELS[RegionLevel.PROVINCE], required=False)
    region_2 = forms.ChoiceField(label=PLACE_LABELS[RegionLevel.PREFECTURE], required=False)
    region_3 = forms.ChoiceField(label=PLACE_LABELS[RegionLevel.COUNTY], required=False)
    region_4 = forms.ChoiceField(label=PLACE_LABELS[RegionLevel.TOWNSHIP], required=False)
    place_q = LineField(
        label="按名称查找地区",
        required=False,
        max_length=20,
        help_text="输入乡镇、街道或县市的名称，如“水部”",
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    # 部委留言板: a central department, whose leaders are then offered first; the place becomes optional.
    department = forms.ChoiceField(
        label="部委", required=False, error_messages={"invalid_choice": "请从列表中选择部委。"}
    )
    leader_id = forms.TypedChoiceField(
        label="留言对象",
        coerce=int,
        empty_value=None,
        required=False,
        error_messages={"invalid_choice": "所选领导不在所选地区，请重新选择留言对象。"},
    )
    type = forms.ChoiceField(
        label="留言类型", required=False, error_messages={"invalid_choice": "请从列表中选择留言类型。"}
    )
    domain = forms.TypedChoiceField(
        label="领域",
        coerce=int,
        empty_value=None,
        required=False,
        error_messages={"invalid_choice": "请从列表中选择领域。"},
    )
    title = LineField(
        label="标题",
        required=False,
        strip=False,
        help_text=f"{TITLE_MIN}–{TITLE_MAX} 个字，概括您反映的问题",
        widget=forms.TextInput(attrs={"maxlength": TITLE_MAX, "data-min": TITLE_MIN, "data-max": TITLE_MAX}),
    )
    body = TextField(
        label="留言内容",
        required=False,
        strip=False,
        help_text=f"{BODY_MIN}–{BODY_MAX} 个字。请写清事情的经过、地点和您的诉求；"
        "手机号、身份证号等个人信息在公开时会自动隐去",
        widget=forms.Textarea(
            attrs={"rows": 10, "maxlength": BODY_MAX, "data-min": BODY_MIN, "data-max": BODY_MAX}
        ),
    )
    files = MultipleFileField(
        label="附件（图片或 PDF）",
        required=False,
        help_text=f"可不传；最多 {MAX_ATTACHMENTS} 个，每个不超过 5 MB，支持 JPEG、PNG、WebP 图片和 PDF。"
        "照片的拍摄位置、设备型号等信息和原文件名不会保存，公开时显示为“附件1”等",
        widget=MultipleFileInput(
            attrs={"accept": "image/jpeg,image/png,image/webp,application/pdf", "data-max": MAX_ATTACHMENTS}
        ),
    )
    contact_phone = LineField(
        label="联系电话",
        required=False,
        max_length=20,
        help_text="可不填；只提供给办理单位，不会公开",
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    public = forms.BooleanField(
        label="公开这条留言",
        required=False,
        initial=True,
        help_text="不公开的留言照样办理，但只有您和办理人员能看到",
    )
    anonymous = forms.BooleanField(
        label="匿名显示", required=False, help_text="公开时只显示您名字的第一个字，如“张**”"
    )
    campaign = LineField(required=False, widget=forms.HiddenInput)

    def __init__(self, data=None, files=None, *, campaign: Campaign | None = None, **kwargs):
        super().__init__(data, files, **kwargs)
        self.campaign = campaign
        source = self.data if self.is_bound else self.initial
        self.place = self._choose_place(source)
        if self.is_bound:
            # Levels below a changed choice no longer apply: drop them rather than report them.
            self.data = self.data.copy()
            for level in range(len(self.place) + 1, REGION_LEVELS + 1):
                self.data[f"region_{level}"] = ""
        self.department = self._choose_department(source)
        self.fields["leader_id"].choices = self._leader_choices()
        searched = "" if self.is_bound else (self.initial.get("place_q") or "")
        self.found_places = (
            directory_selectors.search_places(searched)
            if self.initial.get("find_place") and searched
            else None
        )
        kinds = list(directory_selectors.active_message_types())
        if campaign is not None and (allowed := list(campaign.allowed_types.all())):
            kinds = [kind for kind in kinds if kind in allowed]
        self.fields["type"].choices = [("", CHOOSE), *((kind.code, kind.name) for kind in kinds)]
        self.fields["domain"].choices = [("", CHOOSE), *domain_choices()]
        for name, field in self.fields.items():
            if field.help_text:
                field.widget.attrs["aria-describedby"] = f"id_{name}_help"

    def _choose_place(self, source) -> list[Region]:
        """The regions chosen, from the province down, as far as each is under the one above."""
        chosen: list[Region] = []
        options = list(directory_selectors.regions_under(None))
        for level in range(1, REGION_LEVELS + 1):
            field = self.fields[f"region_{level}"]
            field.choices = [("", CHOOSE), *((region.code, region.name) for region in options)]
            field.offered = bool(options)
            if options:
                field.label = PLACE_LABELS[options[0].level]
            code = source.get(f"region_{level}") or ""
            picked = next((region for region in options if region.code == code), None)
            if picked is None:
                options = []
                continue
            chosen.append(picked)
            options = list(directory_selectors.regions_under(picked)) if picked.has_children else []
        return chosen

    def _choose_department(self, source) -> Unit | None:
        """The central department chosen (部委), among those with leaders to write to."""
        departments = directory_selectors.ministries()
        self.fields["department"].choices = [("", "不给部委留言"), *((d.code, d.name) for d in departments)]
        return next((d for d in departments if d.code == source.get("department")), None)

    def _leader_choices(self) -> list:
        # The leaders of every level chosen (four down to a township) in one read, nearest level first.
        by_region: dict[str, list] = {}
        for leader in Leader.objects.filter(region__in=self.place, active=True).order_by("order", "id"):
            by_region.setdefault(leader.region_id, []).append((leader.id, str(leader)))
        groups = [
            (region.name, by_region[region.code])
            for region in reversed(self.place)
            if region.code in by_region
        ]
        if self.department is not None:
            leaders = directory_selectors.department_leaders(self.department)
            groups.insert(0, (self.department.name, [(leader.id, str(leader)) for leader in leaders]))
        self.has_leaders = bool(groups)
        return [("", CHOOSE if groups else "请先选择地区"), *groups]

    @property
    def region_code(self) -> str | None:
        """The place the message concerns: the lowest level chosen."""
        return self.place[-1].code if self.place else None

    def place_fields(self) -> list:
        return [self[f"region_{level}"] for level in range(1, REGION_LEVELS + 1)]

    def show_action_error(self, error: ActionError) -> None:
        """Show the submission action's refusal; a place error goes next to the lowest place chosen."""
        place_field = f"region_{max(len(self.place), 1)}"
        renamed = {place_field if key == "region_code" else key: text for key, text in error.errors.items()}
        if "files" in renamed:
            renamed["files"] = f"{renamed['files']} 请重新选择附件。"
        elif self.files and self.files.getlist("files"):
            # Browsers never re-fill a file input: say so, or the re-shown form would drop them silently.
            self.add_error("files", "附件需要重新选择。")
        error.errors = renamed
        show_action_error(self, error)
        if error.code == "campaign_closed":
            # Keep what was typed, and let it go in as an ordinary message if the citizen wishes.
            self.data["campaign"] = ""
            self.campaign = None
            self.add_error(None, "您填写的内容已保留，可以不通过专栏直接提交。")

    @classmethod
    def initial_for(cls, query, campaign: Campaign | None = None) -> dict:
        """The form's starting values from the address: ?leader=ID or ?region=CODE pre-choose the place
        (and the leader); a campaign limited to one region starts there."""
        initial: dict = {"public": True, "campaign": campaign.slug if campaign else ""}
        region = None
        if leader_id := inputs.parse_id(query.get("leader", "")):
            leaders = Leader.objects.select_related("region", "department")
            leader = leaders.filter(pk=leader_id, active=True).first()
            if leader is not None:
                region, initial["leader_id"] = leader.region, leader.id
                if leader.department is not None:
                    initial["department"] = leader.department.code
        if region is None and re.fullmatch(r"[0-9]{6}(?:[0-9]{3})?", code := query.get("region", "")[:9]):
            region = Region.objects.filter(pk=code).first()
        if region is None and campaign is not None and len(regions := list(campaign.regions.all())) == 1:
            region = regions[0]
        if region is not None:
            for level, ancestor in enumerate(region.ancestors_and_self()[:REGION_LEVELS], start=1):
                initial[f"region_{level}"] = ancestor.code
        return initial

    @classmethod
    def initial_from_post(cls, data) -> dict:
        """What the citizen typed, to show the form again (the place step) without checking it."""
        initial = {name: data.get(name, "") for name in cls.base_fields if name not in ("files",)}
        initial["public"] = "public" in data
        initial["anonymous"] = "anonymous" in data
        initial["find_place"] = data.get("step") == "find"
        # A place picked from those found by name: the whole cascade down to it, its leaders to choose from.
        code = data.get("pick_place", "")
        if (
            re.fullmatch(r"[0-9]{6}(?:[0-9]{3})?", code)
            and (picked := lookups.region(code))
            and picked.active
        ):
            ancestors = picked.ancestors_and_self()[:REGION_LEVELS]
            for level in range(1, REGION_LEVELS + 1):
                initial[f"region_{level}"] = ancestors[level - 1].code if level <= len(ancestors) else ""
            initial["leader_id"] = ""
        return initial


def domain_choices() -> list[tuple[int, str]]:
    """Domains depth-first, sub-domains indented under their parent (from the directory's kept copy: no
    query on a page that shows the choice)."""
    domains = lookups.active_domains()
    children: dict[int | None, list] = {}
    for domain in domains:
        children.setdefault(domain.parent_id, []).append(domain)
    choices: list[tuple[int, str]] = []

    def add(parent_id: int | None, depth: int) -> None:
        for domain in sorted(children.get(parent_id, []), key=lambda d: (d.order, d.id)):
            choices.append((domain.id, "\u3000" * depth + domain.name))
            add(domain.id, depth + 1)

    add(None, 0)
    return choices


SCORES = [(score, f"{score} 分") for score in range(1, 6)]


def _score_field(label: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=SCORES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": f"请为{label}打分（1–5 分）。",
            "invalid_choice": f"{label}请打 1–5 分。",
        },
    )


class RatingForm(forms.Form):
    """The author's rating of a reply: three 1–5 scores and a comment."""

    resolution = _score_field("解决程度")
    attitude = _score_field("办理态度")
    speed = _score_field("办理速度")
    comment = TextField(label="评价内容", required=False, max_length=1000, widget=forms.Textarea)


class FollowUpForm(forms.Form):
    """The author's follow-up (追问); a new question reopens a replied message."""

    text = TextField(label="追问内容", required=False, widget=forms.Textarea)
    new_question = forms.BooleanField(label="提出新问题", required=False)


# ---- The statistics pages' period picker (GET) ----

DATE_ERROR = "日期格式应为 YYYY-MM-DD"
STATS_PERIODS = [
    ("7", "近7天"),
    ("30", "近30天"),
    ("90", "近90天"),
    ("365", "近一年"),
    ("year", "今年"),
    ("custom", "自定义"),
]
STATS_MAX_DAYS = 3 * 366


class PeriodForm(forms.Form):
    """The period and the grouping of a statistics page; a bad value is shown and the default used."""

    period = forms.ChoiceField(label="时间", choices=STATS_PERIODS, required=False)
    start = forms.DateField(
        label="自",
        required=False,
        input_formats=["%Y-%m-%d"],
        validators=[day_in_range],
        error_messages={"invalid": DATE_ERROR},
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    end = forms.DateField(
        label="至",
        required=False,
        input_formats=["%Y-%m-%d"],
        validators=[day_in_range],
        error_messages={"invalid": DATE_ERROR},
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    bucket = forms.ChoiceField(label="统计粒度", choices=[("", "自动"), *Bucket.choices], required=False)

    def clean(self):
        data = super().clean()
        if data.get("period") == "custom" and not self.errors:
            start, end = data.get("start"), data.get("end")
            if start is None or end is None:
                raise forms.ValidationError("自定义时间请填写开始和结束日期。")
            if start > end:
                raise forms.ValidationError("开始日期不能晚于结束日期。")
            if (end - start).days >= STATS_MAX_DAYS:
                raise forms.ValidationError("时间跨度不能超过三年。")
        return data
