"""Bench-only URLconf (bench/submit_settings.py): the project's own URLs plus the bare-insert reference,
POST /bench/bare-insert, so that bench/submit.py measures a submission against the floor of the same work on
the same stack (gunicorn, middleware, PostgreSQL, the same table and its indexes), in the same run.

The reference takes the same JSON body as POST /api/v1/messages and, in one transaction, inserts the message
and its `submitted` event with the ORM, as the simplest Django view would: no token, no rate limit, no
validation, no serial counter, no task. The foreign keys it needs come from dictionaries read once per
process. Its messages have serials starting with REFERENCE_PREFIX, so the checks can tell them apart.
"""

import json
import threading
import uuid

from django.db import transaction
from django.http import JsonResponse
from django.urls import include, path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from liuyan.accounts.models import User
from liuyan.board.choices import EventKind, MessageState
from liuyan.board.models import Event, Message
from liuyan.directory.models import Domain, Leader, MessageType

REFERENCE_PREFIX = "B"
_lock = threading.Lock()
_keys: dict | None = None


def _foreign_keys() -> dict:
    global _keys
    with _lock:
        if _keys is None:
            _keys = {
                "author": User.objects.filter(username__startswith="bench_")
                .order_by("id")
                .values_list("id", flat=True)[0],
                "leaders": {
                    pk: (region, desk)
                    for pk, region, desk in Leader.objects.values_list("id", "region", "desk")
                },
                "types": dict(MessageType.objects.values_list("code", "id")),
                "domains": dict(Domain.objects.filter(parent=None).values_list("name", "id")),
            }
        return _keys


@csrf_exempt
def bare_insert(request):
    payload = json.loads(request.body)
    keys = _foreign_keys()
    region, desk = keys["leaders"][payload["leader_id"]]
    now = timezone.now()
    with transaction.atomic():
        message = Message.objects.create(
            serial=REFERENCE_PREFIX + uuid.uuid4().hex[:19],
            author_id=keys["author"],
            leader_id=payload["leader_id"],
            region_id=region,
            message_type_id=keys["types"][payload["type"]],
            domain_id=keys["domains"][payload["domain"]],
            desk_id=desk,
            title=payload["title"],
            body=payload["body"],
            public=payload["public"],
            anonymous=payload["anonymous"],
            contact_phone=payload.get("contact_phone", ""),
            created_at=now,
        )
        Event.objects.create(
            message=message,
            actor_id=keys["author"],
            kind=EventKind.SUBMITTED,
            to_state=MessageState.PENDING_REVIEW,
            created_at=now,
        )
    return JsonResponse({"id": message.pk, "serial": message.serial, "state": message.state}, status=201)


urlpatterns = [
    path("bench/bare-insert", bare_insert),
    path("", include("liuyan.urls")),
]
