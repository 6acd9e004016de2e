import pytest
from jsonschema import Draft202012Validator

from tests.api.openapi import assert_matches_openapi, openapi_schema

pytestmark = pytest.mark.django_db


def get(client, url: str, path: str) -> tuple[int, dict]:
    response = client.get(url)
    return response.status_code, assert_matches_openapi(response, "GET", path)


def test_openapi_document_is_served_and_valid(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    assert {
        "/api/v1/regions",
        "/api/v1/regions/{code}",
        "/api/v1/leaders",
        "/api/v1/units",
        "/api/v1/domains",
        "/api/v1/message-types",
        "/api/v1/auth/token",
    } <= set(document["paths"])
    for schema in document["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)


def test_docs_page_works_offline(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn." not in html


def test_provinces_without_parent(client):
    status, body = get(client, "/api/v1/regions", "/api/v1/regions")
    assert status == 200
    assert len(body) == 34
    yunnan = next(r for r in body if r["code"] == "530000")
    assert yunnan["name"] == "云南省" and yunnan["level"] == "province" and yunnan["parent"] is None
    assert yunnan["has_children"] is True


def test_children_of_a_region(client):
    status, body = get(client, "/api/v1/regions?parent=530900", "/api/v1/regions")
    assert status == 200
    assert {"code": "530923", "name": "永德县"}.items() <= next(
        r for r in body if r["code"] == "530923"
    ).items()
    assert all(r["parent"] == "530900" and r["has_children"] is True for r in body)  # their townships
    assert all(r["active"] is True and r["replaced_by"] is None for r in body)
    _, beijing = get(client, "/api/v1/regions?parent=110000", "/api/v1/regions")
    assert "110105" in {r["code"] for r in beijing}


def test_region_with_its_path(client):
    status, body = get(client, "/api/v1/regions/530923", "/api/v1/regions/{code}")
    assert status == 200
    assert [(p["code"], p["name"]) for p in body["path"]] == [
        ("530000", "云南省"),
        ("530900", "临沧市"),
        ("530923", "永德县"),
    ]
    assert body["longitude"] is not None
    assert (body["active"], body["replaced_by"]) == (True, None)


def test_townships_of_a_county(client):
    status, body = get(client, "/api/v1/regions?parent=530923", "/api/v1/regions")
    assert status == 200
    assert [(r["code"], r["name"]) for r in body][:3] == [
        ("530923100", "德党镇"),
        ("530923101", "小勐统镇"),
        ("530923102", "永康镇"),
    ]
    assert len(body) == 10
    assert all(r["level"] == "township" and r["has_children"] is False for r in body)
    status, township = get(client, "/api/v1/regions/530923100", "/api/v1/regions/{code}")
    assert status == 200
    assert [p["code"] for p in township["path"]] == ["530000", "530900", "530923", "530923100"]


def test_a_region_that_has_gone_names_its_successor(client):
    status, body = get(client, "/api/v1/regions/430221", "/api/v1/regions/{code}")
    assert status == 200
    assert (body["name"], body["active"]) == ("株洲县", False)
    assert body["replaced_by"] == {"code": "430212", "name": "渌口区", "level": "county"}
    assert [p["code"] for p in body["path"]] == ["430000", "430200", "430221"]
    # It is no longer listed among the current places under its parent; its successor is.
    _, zhuzhou = get(client, "/api/v1/regions?parent=430200", "/api/v1/regions")
    assert "430221" not in {r["code"] for r in zhuzhou}
    assert "430212" in {r["code"] for r in zhuzhou}


@pytest.mark.parametrize(
    ("url", "path", "status", "code"),
    [
        ("/api/v1/regions/999999", "/api/v1/regions/{code}", 404, "region_not_found"),
        ("/api/v1/regions?parent=999999", "/api/v1/regions", 404, "region_not_found"),
        ("/api/v1/regions?parent=abc", "/api/v1/regions", 422, "validation_error"),
        ("/api/v1/regions?parent=5309231", "/api/v1/regions", 422, "validation_error"),
        ("/api/v1/regions/530923999", "/api/v1/regions/{code}", 404, "region_not_found"),
        ("/api/v1/leaders", "/api/v1/leaders", 422, "validation_error"),
        ("/api/v1/leaders?region=12", "/api/v1/leaders", 422, "validation_error"),
        ("/api/v1/units?region=999999", "/api/v1/units", 404, "region_not_found"),
    ],
)
def test_errors_have_one_shape(client, url, path, status, code):
    response = client.get(url)
    assert response.status_code == status
    body = assert_matches_openapi(response, "GET", path)
    assert body["error"]["code"] == code
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["error"]["message"]), "the message is in Chinese"


def test_unknown_endpoint_answers_json(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "unknown_endpoint"


def test_leaders_of_a_region(client):
    status, body = get(client, "/api/v1/leaders?region=530923", "/api/v1/leaders")
    assert status == 200
    assert [leader["title"] for leader in body] == ["永德县委书记", "永德县县长"]
    assert body[0]["desk"]["name"] == "永德县留言办理工作机构"


def test_units_of_a_region_and_central_departments(client):
    status, body = get(client, "/api/v1/units?region=530900", "/api/v1/units")
    assert status == 200
    assert body[0]["kind"] == "desk"
    education = next(u for u in body if u["name"] == "临沧市教育局")
    assert education["domains"] == ["教育"] and education["region"] == "530900"
    _, central = get(client, "/api/v1/units", "/api/v1/units")
    assert "中国证券监督管理委员会" in {u["name"] for u in central}
    assert all(u["kind"] == "central" and u["region"] is None for u in central)


def test_domains_and_message_types(client):
    _, domains = get(client, "/api/v1/domains", "/api/v1/domains")
    assert [d["name"] for d in domains if d["parent"] is None][:3] == ["城建", "交通", "环保"]
    _, types = get(client, "/api/v1/message-types", "/api/v1/message-types")
    assert [(t["code"], t["name"]) for t in types] == [
        ("suggestion", "建言"),
        ("complaint", "投诉"),
        ("help", "求助"),
        ("inquiry", "咨询"),
        ("thanks", "感谢"),
    ]


def test_every_operation_documents_its_errors():
    for path, operations in openapi_schema()["paths"].items():
        for method, operation in operations.items():
            if operation.get("requestBody") or any(
                p["in"] == "query" for p in operation.get("parameters", [])
            ):
                assert "422" in operation["responses"], (method, path)


def test_list_endpoints_use_few_queries(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        units = client.get("/api/v1/units?region=530900")
    assert units.status_code == 200 and units.json()
    with django_assert_max_num_queries(2):
        regions = client.get("/api/v1/regions?parent=530000")
    assert regions.status_code == 200 and regions.json()
