"""Recording staff access to citizens' unmasked data (个人信息保护法): one `AccessRecord` per look."""

from typing import Any, Protocol, cast

from django.http import HttpRequest

from liuyan.accounts.choices import AccessKind
from liuyan.accounts.client import client_address
from liuyan.accounts.models import AccessRecord, User
from liuyan.directory.models import Region


class Viewed(Protocol):
    """What a record keeps of a message (accounts sits below the board, so not its model)."""

    @property
    def pk(self) -> Any: ...

    @property
    def serial(self) -> str: ...

    @property
    def region_id(self) -> str: ...


def record_access(
    request: HttpRequest,
    kind: AccessKind,
    *,
    message: Viewed | None = None,
    region: Region | str | None = None,
    detail: str = "",
    user: User | None = None,
) -> AccessRecord:
    """Write who (`user`, default the request's user) opened what (`message`, or an export described by
    `detail`), when and from which address. `region` defaults to the message's; leaders review the records
    of their region. `user` is for endpoints that authenticate a bearer token without setting request.user."""
    if message is not None and region is None:
        region = message.region_id
    return AccessRecord.objects.create(
        user=user or cast(User, request.user),  # staff who look at citizens' data are signed in
        kind=kind,
        message_id=getattr(message, "pk", None),
        serial=getattr(message, "serial", "") or "",
        region_id=getattr(region, "pk", region),
        detail=detail[:500],
        address=client_address(request),
    )
