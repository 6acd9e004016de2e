"""Version 1 of the JSON API, mounted at /api/v1/."""

from django.db import InterfaceError, OperationalError
from ninja import NinjaAPI

from liuyan.api import (
    accounts,
    analyze,
    bulk,
    campaigns,
    directory,
    insights,
    messages,
    review,
    search,
    similar,
    stats,
    workbench,
)
from liuyan.api.errors import install_error_handlers, unavailable_response

api = NinjaAPI(
    title="留言板 API",
    version="1",
    description=(
        'Liuyan（留言板）开放接口。错误统一返回 {"error": {"code": …, "message": …}}。'
        "另有 Open311 GeoReport v2 接口：/open311/v2/（JSON 与 XML）。"
    ),
    urls_namespace="api-v1",
    docs_url="/docs",
)
install_error_handlers(api)


@api.exception_handler(OperationalError)
@api.exception_handler(InterfaceError)
def database_unavailable(request, exc):
    # Before any generic handler: an unreachable database is a 503 to try again, not a server error.
    return unavailable_response()


api.add_router("", directory.router)
api.add_router("", accounts.router)
# Before messages, whose action route /messages/{id}/{action} would take /messages/{id}/similar.
api.add_router("", similar.router)
# Before messages too: /messages/bulk/{action} would be taken for /messages/{id}/{action}.
api.add_router("", bulk.router)
api.add_router("", messages.router)
api.add_router("", search.router)
api.add_router("", review.router)
api.add_router("", campaigns.router)
api.add_router("", workbench.router)
api.add_router("", insights.router)
api.add_router("", stats.router)
api.add_router("", analyze.router)
