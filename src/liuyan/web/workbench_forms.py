"""Forms of the staff workbench. They only parse what was typed; the board actions validate it and name
the field of any error (ActionError.errors), which `show_action_error` puts next to that field."""

import re

from django import forms
from django.utils import timezone

from liuyan import inputs
from liuyan.board.choices import CampaignState, MarkKind, RevisitMethod, RevisitOutcome
from liuyan.directory import lookups
from liuyan.directory.selectors import active_message_types
from liuyan.web.forms import LineField, TextField, day_in_range, domain_choices


def _text(
    label: str,
    *,
    required: bool = False,
    help_text: str = "",
    rows: int = 3,
    max_length: int = 2000,
    counted: bool = False,
) -> TextField:
    # A required field is marked for the user; the action checks it again and has the last word.
    return TextField(
        label=label,
        required=required,
        error_messages={"required": f"请填写{label}。", "max_length": f"{label}不能超过 {max_length} 个字。"},
        max_length=max_length,
        help_text=help_text,
        strip=True,
        # `data-count`: workbench.js shows a live character count under the text area.
        widget=forms.Textarea(attrs={"rows": rows, **({"data-count": ""} if counted else {})}),
    )


class IdField(forms.IntegerField):
    """An object chosen from a list; whether the choice is allowed is the action's to say."""

    default_error_messages = {"invalid": "请从列表中选择。"}

    def __init__(self, **kwargs):
        super().__init__(min_value=1, max_value=inputs.MAX_ID, **kwargs)


class IdListField(forms.Field):
    """Several objects ticked in a list (checkboxes); the action checks each of them."""

    widget = forms.CheckboxSelectMultiple
    default_error_messages = {"invalid": "请从列表中选择。"}

    def __init__(self, **kwargs):
        super().__init__(required=False, **kwargs)

    def to_python(self, value) -> list[int]:
        values = value if isinstance(value, list | tuple) else ([value] if value else [])
        ids = {inputs.parse_id(str(v)) for v in values}
        if None in ids:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return sorted(ids)


class ConfirmForm(forms.Form):
    """An action without input (publish, accept, unhide): the button is the whole form."""


class RejectForm(forms.Form):
    reason = _text("不予刊发的理由", required=True, help_text="留言人会收到这条理由。", max_length=500)


class HideForm(forms.Form):
    reason = _text("隐藏理由", required=True, help_text="仅工作人员可见；留言仍会继续办理。", max_length=500)


class ReplyDecisionForm(forms.Form):
    reply_id = IdField(widget=forms.HiddenInput)


class MergeForm(forms.Form):
    """并单: this message joins the one chosen among its similar messages (the page offers one per row)."""

    into_id = IdField(widget=forms.HiddenInput)


class SendBackReplyForm(ReplyDecisionForm):
    reason = _text(
        "退回理由", required=True, help_text="办理单位会看到这条理由，并须重新答复。", max_length=1000
    )


class UnitPickerForm(forms.Form):
    """Chooses a unit from a list the page narrows with a text filter (`unit_q`, kept with the form)."""

    unit_id = IdField(label="办理单位", widget=forms.Select, error_messages={"required": "请选择办理单位。"})
    unit_q = LineField(required=False, max_length=60, widget=forms.HiddenInput)

    def set_units(self, groups) -> None:
        """The units to offer, as (region label, [(id, name), …]) groups."""
        self.fields["unit_id"].widget.choices = [("", "请选择办理单位"), *groups]


class AssignForm(UnitPickerForm):
    note = _text("交办说明", help_text="可不填；办理单位可见。", rows=2, max_length=500)
    urgent = forms.BooleanField(label="按紧急留言办理（时限以小时计）", required=False)


class TransferForm(UnitPickerForm):
    note = _text("转办说明", required=True, help_text="说明为什么转给这个单位。", rows=2, max_length=500)


class ReturnForm(forms.Form):
    reason = _text(
        "退回理由", required=True, help_text="说明这条留言为什么不属于本单位办理。", max_length=500
    )


class ExtensionRequestForm(forms.Form):
    days = forms.IntegerField(
        label="延期工作日",
        required=True,
        min_value=1,
        max_value=30,
        help_text="1–30 个工作日",
        error_messages={
            "required": "请填写延期天数。",
            "invalid": "请输入整数天数。",
            "min_value": "延期天数应为 1–30 个工作日。",
            "max_value": "延期天数应为 1–30 个工作日。",
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    reason = _text("延期理由", required=True, max_length=1000)


class ExtensionDecisionForm(forms.Form):
    extension_id = IdField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(choices=[("approve", "同意"), ("refuse", "不同意")])
    note = _text("审批意见", help_text="可不填；申请单位可见。", rows=2, max_length=1000)

    @property
    def approved(self) -> bool:
        return self.cleaned_data["decision"] == "approve"


class RemindForm(forms.Form):
    note = _text("催办说明", help_text="可不填；办理单位会收到提醒。", rows=2, max_length=500)


class SuperviseForm(forms.Form):
    note = _text("督办说明", help_text="可不填。", rows=2, max_length=500)


class ReplyForm(forms.Form):
    body = _text(
        "回复内容",
        required=True,
        help_text="10–10000 字；经审核后公开。",
        rows=8,
        max_length=10000,
        counted=True,
    )
    also_message_ids = IdListField(label="同时答复本单位办理中的其他留言（公开回复）")
    # Set on a message still awaiting acceptance: the submit accepts it first (受理并回复).
    accept_first = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def set_joint_candidates(self, ranked) -> None:
        """The messages one reply may also answer, as (message, similarity) pairs, most similar first."""
        self.fields["also_message_ids"].widget.choices = [
            (m.pk, f"{m.serial} {m.title}（相似度 {score:.0%}，回复时限 {_local_time(m.reply_deadline)}）")
            for m, score in ranked
        ]


def _local_time(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else "未定"


class InstructForm(forms.Form):
    text = _text(
        "批示内容", required=True, help_text="留言办理工作机构和办理单位会收到批示。", rows=4, max_length=2000
    )


class MarkForm(forms.Form):
    """An editor's 跟踪督办 / 报道线索 mark, with a note for the other editors."""

    kind = forms.ChoiceField(
        label="标记为",
        choices=MarkKind.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "请选择标记类型。",
            "invalid_choice": "请选择标记类型：跟踪督办或报道线索。",
        },
    )
    note = _text("标记说明", help_text="可不填；仅编辑可见。", rows=2, max_length=500)


class UnmarkForm(forms.Form):
    kind = forms.ChoiceField(
        choices=MarkKind.choices,
        widget=forms.HiddenInput,
        error_messages={"required": "请选择要取消的标记。", "invalid_choice": "请选择要取消的标记。"},
    )


class ReclassifyForm(forms.Form):
    """Staff correct a message's domain and type (领域 / 类型); the change is kept as a correction that
    retraining the classifiers learns from."""

    domain = forms.TypedChoiceField(
        label="领域",
        coerce=int,
        error_messages={"required": "请选择领域。", "invalid_choice": "请选择领域。"},
    )
    message_type = forms.ChoiceField(
        label="留言类型",
        error_messages={"required": "请选择留言类型。", "invalid_choice": "请选择留言类型。"},
    )
    note = _text("说明", help_text="可不填；记入办理记录。", rows=2, max_length=500)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["domain"].choices = domain_choices()
        self.fields["message_type"].choices = [(t.code, t.name) for t in lookups.active_message_types()]


class RegionCodesField(forms.Field):
    """Regions ticked in a picker, by code; whether each exists is the action's to say."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {"invalid": "请从查找结果中勾选地区。"}

    def __init__(self, **kwargs):
        super().__init__(required=False, **kwargs)

    def to_python(self, value) -> list[str]:
        values = value if isinstance(value, list | tuple) else ([value] if value else [])
        codes = sorted({str(v).strip() for v in values})
        if any(not re.fullmatch(r"[0-9]{6}", code) for code in codes) or len(codes) > 200:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return codes


LOCAL_DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class CampaignForm(forms.Form):
    title = LineField(
        label="专栏标题",
        min_length=2,
        max_length=80,
        error_messages={
            "required": "请填写专栏标题。",
            "min_length": "专栏标题应为 2–80 个字。",
            "max_length": "专栏标题应为 2–80 个字。",
        },
    )
    slug = LineField(
        label="网址标识",
        max_length=60,
        error_messages={"required": "请填写网址标识。"},
        help_text="英文字母、数字或连字符，如 covid-2026；用于专栏网址。",
    )
    description = _text("说明", rows=4, max_length=5000)
    opens_at = forms.DateTimeField(
        label="开始时间",
        widget=LOCAL_DATETIME,
        validators=[day_in_range],
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        error_messages={"required": "请填写开始时间。", "invalid": "请输入有效的时间。"},
    )
    closes_at = forms.DateTimeField(
        label="结束时间",
        widget=LOCAL_DATETIME,
        validators=[day_in_range],
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        error_messages={"required": "请填写结束时间。", "invalid": "请输入有效的时间。"},
    )
    # The places are chosen by name: `region_q` finds them (the page's 查找 button, or its script as one
    # types) and each one ticked comes back as a `regions` code. Codes may also be typed (`region_codes`).
    regions = RegionCodesField(label="适用地区")
    region_q = LineField(
        label="按名称查找地区",
        required=False,
        max_length=40,
        help_text="输入地名（如“临沧”），点“查找”后勾选；不选任何地区表示全国。",
    )
    region_codes = LineField(
        label="或直接填写行政区划代码",
        required=False,
        max_length=500,
        help_text="六位代码，多个用空格或逗号分隔。",
    )
    type_codes = forms.MultipleChoiceField(
        label="允许的留言类型",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="不选表示全部类型。",
    )
    urgent_hours = forms.IntegerField(
        label="紧急回复时限（小时）",
        required=False,
        help_text="可不填；填写后本专栏的留言按小时计算回复时限。",
        error_messages={"invalid": "请输入整数小时数。"},
    )
    state = forms.ChoiceField(label="状态", choices=CampaignState.choices, initial=CampaignState.DRAFT)

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["type_codes"].choices = [(t.code, t.name) for t in active_message_types()]
        if editing:
            # A campaign's address stays (its pages are linked); its state has the list's buttons.
            del self.fields["slug"], self.fields["state"]

    def clean_region_codes(self) -> list[str]:
        raw = self.cleaned_data["region_codes"].replace("，", ",").replace("、", ",").replace(",", " ")
        codes = sorted(set(raw.split()))
        malformed = [code for code in codes if not re.fullmatch(r"[0-9]{6}", code)]
        if malformed:
            raise forms.ValidationError(f"行政区划代码应为六位数字：{'、'.join(malformed)}。")
        return codes

    def clean(self):
        # Checked again by the action; here so that it shows together with the other errors.
        data = super().clean()
        opens_at, closes_at = data.get("opens_at"), data.get("closes_at")
        if opens_at and closes_at and closes_at <= opens_at:
            self.add_error("closes_at", "结束时间须晚于开始时间。")
        if "region_codes" in data and "regions" in data:
            data["region_codes"] = sorted({*data["region_codes"], *data["regions"]})
        return data


class CampaignStateForm(forms.Form):
    state = forms.ChoiceField(choices=CampaignState.choices)
    # Ending a campaign asks first: the list's button leads to a page whose button sends this.
    confirmed = forms.BooleanField(required=False)


class AutoAssignForm(forms.Form):
    """A desk's auto-assignment (自动交办) setting."""

    desk_id = forms.IntegerField(widget=forms.HiddenInput)
    enabled = forms.BooleanField(label="启用自动交办", required=False)
    min_confidence = forms.DecimalField(
        label="置信度下限",
        min_value=0.5,
        max_value=0.99,
        decimal_places=2,
        help_text="系统建议的置信度不低于此值时自动交办，否则仍由人工交办（0.50–0.99）。",
        error_messages={
            "required": "请填写置信度下限。",
            "invalid": "请填写 0.50 到 0.99 之间的数。",
            "min_value": "置信度下限不能低于 0.50。",
            "max_value": "置信度下限不能高于 0.99。",
            "max_decimal_places": "最多两位小数。",
        },
    )


class RevisitForm(forms.Form):
    """回访: how and when the citizen was reached, what they said (staff only) and how satisfied they are."""

    method = forms.ChoiceField(
        label="回访方式",
        choices=[("", "请选择"), *RevisitMethod.choices],
        error_messages={
            "required": "请选择回访方式。",
            "invalid_choice": "请选择回访方式：电话、上门或视频。",
        },
    )
    at = forms.DateTimeField(
        label="回访时间",
        widget=LOCAL_DATETIME,
        validators=[day_in_range],
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        help_text="不能晚于现在，也不能早于回复时间。",
        error_messages={"required": "请填写回访时间。", "invalid": "请输入有效的时间，如 2026-12-03 09:30。"},
    )
    summary = _text(
        "回访情况", required=True, help_text="留言人怎么说；仅工作人员可见，不公开。", rows=4, max_length=2000
    )
    outcome = forms.ChoiceField(
        label="回访结果",
        choices=[("", "请选择"), *RevisitOutcome.choices],
        error_messages={
            "required": "请选择回访结果。",
            "invalid_choice": "请选择回访结果：满意、基本满意或不满意。",
        },
    )


class ReopenForm(forms.Form):
    reason = _text(
        "重新办理的理由",
        required=True,
        help_text="办理单位会看到这条理由；留言转为办理中并列入督办，回复时限重新计算。",
        rows=3,
        max_length=500,
    )
