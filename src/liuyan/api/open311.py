"""The Open311 GeoReport v2 endpoint (http://wiki.open311.org/GeoReport_v2), mounted at /open311/v2/, so
that the civic-tech clients written for that standard can read the board and post to it.

The standard's terms, in ours:
- a service is a level-1 domain (领域); its code is the domain's id;
- a jurisdiction is a region (行政区划代码); posting needs one (messages go to a region's leader, not to a
  point on a map), and reading can be narrowed to one (its whole subtree);
- a service request is a public message; its id is the message's serial (留言编号). It is `closed` once
  its reply is public (已回复 / 已办结), `open` before; its status notes are the public reply;
- `api_key` is a citizen's API token (POST /api/v1/auth/token); the message is submitted as that citizen
  and goes into review like any other, so it is not listed until an editor publishes it;
- the message type (类型), and optionally the leader and the title, are the service's attributes
  (`attribute[type]`, `attribute[leader_id]`, `attribute[title]`).
Both formats of the standard are served: `.json` and `.xml`. Errors are the standard's list of
{code, description}, descriptions in Chinese. Texts are masked as on the public pages.
"""

import functools
import logging
import re
from datetime import datetime, timedelta
from xml.etree import ElementTree

from django.core.exceptions import BadRequest, SuspiciousOperation
from django.db.models import Prefetch
from django.http import HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.urls import re_path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from liuyan import inputs
from liuyan.accounts.actions import authenticate_api_token
from liuyan.api.errors import DATABASE_UNAVAILABLE
from liuyan.api.throttles import SubmitThrottle
from liuyan.board import selectors
from liuyan.board.actions.base import ActionError, Invalid
from liuyan.board.actions.submission import submit_message
from liuyan.board.choices import ReplyState
from liuyan.board.models import TITLE_MAX, TITLE_MIN, Message, Reply
from liuyan.board.privacy import mask_reply, mask_text
from liuyan.core.times import iso_time
from liuyan.directory import selectors as directory
from liuyan.directory.models import Domain, Leader, MessageType, Region
from liuyan.reports.feeds import xml_text

logger = logging.getLogger("liuyan.api")

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# The standard's defaults for GET requests: the last 90 days, at most 1,000 requests.
DEFAULT_SPAN = timedelta(days=90)
MAX_REQUESTS = 1000
STATUSES = ("open", "closed")
# XML element names for the members of a list, by the list's name.
XML_ITEMS = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
}
# The parameters that may hold several lines.
MULTILINE_PARAMETERS = {"description"}
# Where a field error of submit_message comes from, in the standard's parameter names.
PARAMETERS = {
    "leader_id": "attribute[leader_id]",
    "type": "attribute[type]",
    "domain": "service_code",
    "title": "attribute[title]",
    "body": "description",
    "contact_phone": "phone",
    "region_code": "jurisdiction_id",
}


class Open311Error(Exception):
    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status, self.description = status, description


# ---- Rendering -----------------------------------------------------------------------------------------


def _render(data, fmt: str, root: str, status: int = 200) -> HttpResponse:
    """JSON as the standard shows it (a list, or an object for a service definition), or XML under
    `root` with the standard's element names."""
    if fmt == "json":
        return JsonResponse(
            data,
            safe=False,
            status=status,
            json_dumps_params={"ensure_ascii": False},
            content_type="application/json; charset=utf-8",
        )
    element = ElementTree.Element(root)
    _fill(element, data, root)
    body = ElementTree.tostring(element, encoding="unicode")
    return HttpResponse(
        '<?xml version="1.0" encoding="UTF-8"?>\n' + body,
        status=status,
        content_type="text/xml; charset=utf-8",
    )


def _fill(element: ElementTree.Element, value, name: str) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _fill(ElementTree.SubElement(element, key), item, key)
    elif isinstance(value, list):
        for item in value:
            _fill(ElementTree.SubElement(element, XML_ITEMS[name]), item, XML_ITEMS[name])
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = xml_text(str(value))  # an old row may hold a character XML cannot


def error_list(fmt: str, status: int, description: str) -> HttpResponse:
    """The standard's error answer: a list of {code, description}, in JSON or XML."""
    return _render([{"code": status, "description": description}], fmt, "errors", status)


def _endpoint(view):
    """Turn Open311Error (and the actions' errors) into the standard's error list."""

    @functools.wraps(view)
    def wrapped(request, *args, fmt: str, **kwargs):
        try:
            _check_plain(request, kwargs)
            return view(request, *args, fmt=fmt, **kwargs)
        except Open311Error as error:
            return error_list(fmt, error.status, error.description)
        except Invalid as error:
            problems = [
                {"code": 400, "description": f"{PARAMETERS.get(field, field)}：{message}"}
                for field, message in error.errors.items()
            ] or [{"code": 400, "description": error.message}]
            return _render(problems, fmt, "errors", 400)
        except ActionError as error:
            return error_list(fmt, error.status, error.message)
        except (MultiPartParserError, BadRequest, SuspiciousOperation):
            return error_list(fmt, 400, "请求内容无法解析：请以 application/x-www-form-urlencoded 提交。")
        except DATABASE_UNAVAILABLE:
            raise  # not ours to fix: web/middleware.py answers a 503 in the standard's shape
        except Exception:
            # Ours to fix: logged with its traceback, answered in the standard's shape without it.
            logger.exception("Internal error on %s %s", request.method, request.path)
            return error_list(fmt, 500, "服务器内部错误，请稍后再试；问题已记录。")

    return wrapped


def _check_plain(request, path_parameters: dict) -> None:
    """Every parameter is plain text (inputs.py): a control character would break the XML we answer in
    and, once stored, every feed of the message's region. Only `description` may hold line breaks."""
    parameters = [*path_parameters.items(), *request.GET.items()]
    if request.method == "POST":
        parameters += list(request.POST.items())
    for name, value in parameters:
        character = inputs.forbidden_character(value, multiline=name in MULTILINE_PARAMETERS)
        if character is not None:
            raise Open311Error(400, f"{name}：{inputs.refusal(character)}")


def _iso(moment: datetime | None) -> str | None:
    return iso_time(moment) or None


# ---- Services ------------------------------------------------------------------------------------------


def _services() -> list[Domain]:
    return list(Domain.objects.filter(parent=None, active=True).prefetch_related("children"))


@require_GET
@_endpoint
def services(request, fmt: str):
    """GET services: the level-1 domains."""
    return _render(
        [
            {
                "service_code": str(domain.pk),
                "service_name": domain.name,
                "description": f"{domain.name}领域的留言",
                "metadata": True,
                "type": "realtime",
                "keywords": ",".join(child.name for child in domain.children.all() if child.active),
                "group": "",
            }
            for domain in _services()
        ],
        fmt,
        "services",
    )


def _service(code: str, status: int = 404) -> Domain:
    """The service `code` names; an Open311Error with `status` (404 for a path, 400 for a parameter)."""
    number = inputs.parse_id(code)
    domain = Domain.objects.filter(parent=None, active=True, pk=number).first() if number else None
    if domain is None:
        raise Open311Error(status, f"没有代码为 {code} 的服务（领域）。")
    return domain


@require_GET
@_endpoint
def service_definition(request, code: str, fmt: str):
    """GET a service definition: the attributes a request of this service takes."""
    domain = _service(code)
    types = MessageType.objects.filter(active=True)
    attributes = [
        {
            "variable": True,
            "code": "type",
            "datatype": "singlevaluelist",
            "required": True,
            "datatype_description": "留言类型代码",
            "order": 1,
            "description": "留言类型",
            "values": [{"key": kind.code, "name": kind.name} for kind in types],
        },
        {
            "variable": True,
            "code": "leader_id",
            "datatype": "number",
            "required": False,
            "datatype_description": "领导编号，见 GET /api/v1/leaders?region=行政区划代码",
            "order": 2,
            "description": "留言对象；不填时为 jurisdiction_id 所指地区排在首位的领导",
        },
        {
            "variable": True,
            "code": "title",
            "datatype": "string",
            "required": False,
            "datatype_description": f"{TITLE_MIN}–{TITLE_MAX} 个字",
            "order": 3,
            "description": "标题；不填时取 description 的第一句",
        },
    ]
    return _render({"service_code": str(domain.pk), "attributes": attributes}, fmt, "service_definition")


# ---- Posting a request ---------------------------------------------------------------------------------


def _title_of(description: str) -> str:
    first = re.split(r"[。！？!?\n]", description.strip(), maxsplit=1)[0].strip()
    return (first if len(first) >= TITLE_MIN else description.strip())[:TITLE_MAX]


def _leader(jurisdiction: Region, chosen: str) -> Leader | None:
    if chosen:
        number = inputs.parse_id(chosen)
        leader = Leader.objects.filter(active=True, pk=number).first() if number else None
        if leader is None:
            raise Open311Error(400, f"attribute[leader_id] {chosen} 不是可以留言的领导编号。")
        return leader
    return directory.active_leaders(jurisdiction).first()


def post_request(request, fmt: str):
    """POST a service request: a citizen's message, submitted for review."""
    user = authenticate_api_token(request.POST.get("api_key", "").strip())
    if user is None:
        raise Open311Error(403, "api_key 无效：请使用留言人账号的 API 令牌。")
    request.auth = user
    if not SubmitThrottle().allow_request(request):
        raise Open311Error(429, "提交过于频繁，请稍后再试。")
    if request.POST.get("media_url", "").strip():
        raise Open311Error(400, "不接受 media_url：请在网站上提交留言并上传附件。")
    code = request.POST.get("jurisdiction_id", "").strip()
    if not code:
        raise Open311Error(400, "缺少 jurisdiction_id：请填写留言所涉地区的行政区划代码。")
    jurisdiction = Region.objects.filter(pk=code).first()
    if jurisdiction is None:
        raise Open311Error(400, f"jurisdiction_id {code} 不是已知的行政区划代码。")
    service_code = request.POST.get("service_code", "").strip()
    if not service_code:
        raise Open311Error(400, "缺少 service_code。")
    domain = _service(service_code, 400)
    leader = _leader(jurisdiction, request.POST.get("attribute[leader_id]", "").strip())
    if leader is None:
        raise Open311Error(400, f"{jurisdiction.name}没有可以留言的领导，请填写 attribute[leader_id]。")
    description = request.POST.get("description", "").strip()
    place = request.POST.get("address_string", "").strip()
    latitude, longitude = request.POST.get("lat", "").strip(), request.POST.get("long", "").strip()
    if not place and latitude and longitude:
        place = f"纬度 {latitude}，经度 {longitude}"
    body = f"{description}\n地点：{place}" if description and place else description
    message = submit_message(
        user,
        leader_id=leader.pk,
        message_type=request.POST.get("attribute[type]", "").strip(),
        domain=domain.pk,
        title=request.POST.get("attribute[title]", "").strip() or _title_of(description),
        body=body,
        region_code=jurisdiction.pk,
        contact_phone=request.POST.get("phone", ""),
    )
    created = {
        "service_request_id": message.serial,
        "service_notice": "留言已提交，经审核刊发后公开并交办有关单位。",
        "account_id": None,
    }
    return _render([created], fmt, "service_requests", 201)


# ---- Reading requests ----------------------------------------------------------------------------------


def _moment(value: str, name: str) -> datetime:
    try:
        moment = parse_datetime(value)
        if moment is None and (day := parse_date(value)) is not None:
            moment = datetime(day.year, day.month, day.day)
    except ValueError:  # well-formed but no such time, e.g. 2026-02-30
        moment = None
    if moment is None:
        raise Open311Error(400, f"{name} 应为 ISO 8601 时间，如 2026-11-05T08:15:30+08:00。")
    try:
        inputs.check_day(moment.date())
    except ValueError as error:
        raise Open311Error(400, f"{name}：{error}") from None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    return moment


def _requests_queryset():
    published = (
        Reply.objects.filter(state=ReplyState.PUBLISHED).select_related("unit").order_by("reviewed_at", "id")
    )
    return (
        selectors.public_messages()
        .select_related("domain__parent__parent", "unit", "desk", "region")
        .prefetch_related(Prefetch("replies", queryset=published, to_attr="public_replies"))
        .defer("search_tokens")
    )


def _request_payload(message: Message, names: dict[str, str]) -> dict:
    closed = message.state in selectors.REPLIED_STATES
    replies = message.public_replies
    steps = (message.created_at, message.published_at, message.assigned_at, message.accepted_at)
    latest = max(moment for moment in (*steps, message.replied_at, message.closed_at) if moment)
    region = message.region
    service = message.domain  # a service is a level-1 domain: the top of the message's domain
    while service.parent_id is not None:
        service = service.parent
    return {
        "service_request_id": message.serial,
        "status": "closed" if closed else "open",
        "status_notes": "\n\n".join(mask_reply(reply.body) for reply in replies),
        "service_name": service.name,
        "service_code": str(service.pk),
        "description": mask_text(f"{message.title}\n\n{message.body}"),
        "agency_responsible": (replies[-1].unit.name if replies else (message.unit or message.desk).name),
        "service_notice": "",
        "requested_datetime": _iso(message.created_at),
        "updated_datetime": _iso(latest),
        "expected_datetime": None if closed else _iso(message.reply_deadline),
        # A message to a central department may name no place.
        "address": "".join(names[code] for code in region.path.split("/") if code) if region else None,
        "address_id": region.code if region else None,
        "zipcode": None,
        "lat": float(region.latitude) if region and region.latitude is not None else None,
        "long": float(region.longitude) if region and region.longitude is not None else None,
        "media_url": None,
    }


def _payloads(messages: list[Message]) -> list[dict]:
    codes = {
        code for message in messages if message.region for code in message.region.path.split("/") if code
    }
    names = dict(Region.objects.filter(pk__in=codes).values_list("code", "name"))
    return [_request_payload(message, names) for message in messages]


def get_requests(request, fmt: str):
    """GET service requests: public messages, newest first, filtered as the standard says."""
    query = request.GET
    messages = _requests_queryset()
    ids = [value.strip() for value in query.get("service_request_id", "").split(",") if value.strip()]
    if ids:
        # The ids name the requests wanted; the other filters are ignored, as the standard says.
        messages = messages.filter(serial__in=ids[:MAX_REQUESTS])
    else:
        end = _moment(query["end_date"], "end_date") if query.get("end_date") else timezone.now()
        start = _moment(query["start_date"], "start_date") if query.get("start_date") else end - DEFAULT_SPAN
        if end - start > DEFAULT_SPAN:
            raise Open311Error(400, "start_date 与 end_date 相隔不能超过 90 天。")
        messages = messages.filter(created_at__gte=start, created_at__lte=end)
        if code := query.get("service_code", "").strip():
            # As the public list filters a domain: with its sub-domains.
            messages = selectors.filter_messages(
                messages, selectors.MessageFilters(domain=_service(code, 400).pk)
            )
        if statuses := {value.strip() for value in query.get("status", "").split(",") if value.strip()}:
            unknown = statuses - set(STATUSES)
            if unknown:
                raise Open311Error(400, f"status 只能是 open 或 closed，收到：{'、'.join(sorted(unknown))}。")
            if statuses == {"closed"}:
                messages = messages.filter(state__in=selectors.REPLIED_STATES)
            elif statuses == {"open"}:
                messages = messages.exclude(state__in=selectors.REPLIED_STATES)
        if code := query.get("jurisdiction_id", "").strip():
            region = Region.objects.filter(pk=code).first()
            if region is None:
                raise Open311Error(400, f"jurisdiction_id {code} 不是已知的行政区划代码。")
            messages = messages.filter(region__path__startswith=region.path)
    rows = list(messages.order_by("-created_at", "-id")[:MAX_REQUESTS])
    return _render(_payloads(rows), fmt, "service_requests")


@csrf_exempt  # authenticated by api_key, not by a session cookie
@require_http_methods(["GET", "POST"])
@_endpoint
def requests(request, fmt: str):
    if request.method == "POST":
        return post_request(request, fmt)
    return get_requests(request, fmt)


@require_GET
@_endpoint
def single_request(request, request_id: str, fmt: str):
    """GET a service request by its id (the message's serial)."""
    message = _requests_queryset().filter(serial=request_id).first()
    if message is None:
        raise Open311Error(404, f"没有公开的留言 {request_id}（提交后须经审核刊发才公开）。")
    return _render(_payloads([message]), fmt, "service_requests")


@require_GET
@_endpoint
def discovery(request, fmt: str):
    """The standard's service discovery document."""
    base = request.build_absolute_uri(reverse("open311:services", kwargs={"fmt": "json"})).rsplit("/", 1)[0]
    return _render(
        {
            "changeset": _iso(timezone.now().replace(microsecond=0)),
            "contact": "留言板 Open311 接口；错误说明为中文。",
            "key_service": "api_key 为留言人账号的 API 令牌：POST /api/v1/auth/token",
            "endpoints": [
                {
                    "specification": SPECIFICATION,
                    "url": base,
                    "changeset": _iso(timezone.now().replace(microsecond=0)),
                    "type": "production",
                    "formats": ["application/json", "text/xml"],
                }
            ],
        },
        fmt,
        "discovery",
    )


FORMAT = r"(?P<fmt>json|xml)"
app_name = "open311"
urlpatterns = [
    re_path(rf"^discovery\.{FORMAT}$", discovery, name="discovery"),
    re_path(rf"^v2/services\.{FORMAT}$", services, name="services"),
    re_path(rf"^v2/services/(?P<code>[^/.]+)\.{FORMAT}$", service_definition, name="service"),
    re_path(rf"^v2/requests\.{FORMAT}$", requests, name="requests"),
    re_path(rf"^v2/requests/(?P<request_id>[^/.]+)\.{FORMAT}$", single_request, name="request"),
]
