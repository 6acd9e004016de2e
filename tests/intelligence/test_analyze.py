"""`liuyan analyze` and POST /api/v1/analyze: region, domain, type, suggested units and similar messages."""

import csv
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from liuyan.intelligence.classifier import TextClassifier, forget_loaded_classifiers
from tests.api.openapi import assert_matches_openapi
from tests.intelligence.test_classifier import HOSPITAL, SCHOOL, TRAFFIC

pytestmark = pytest.mark.django_db


@pytest.fixture
def trained(tmp_path, settings):
    """Domain and type models trained on a few texts (domain labels as the Teddy Cup data names them)."""
    settings.LIUYAN_MODEL_DIR = tmp_path / "models"
    forget_loaded_classifiers()
    texts = TRAFFIC + SCHOOL + HOSPITAL
    TextClassifier().fit(texts, ["交通运输"] * 10 + ["教育文体"] * 10 + ["卫生计生"] * 10).save("domain")
    TextClassifier().fit(texts, (["complaint"] * 5 + ["suggestion"] * 5) * 3).save("type")
    yield
    forget_loaded_classifiers()


def analyze(*args) -> list[dict]:
    out = StringIO()
    call_command("analyze", *args, "--json", stdout=out, stderr=StringIO())
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_a_text_without_models_gets_its_region_and_the_catalogues_fallback():
    # No word of the routing catalogue (自来水 would point to the county's 住建局).
    [result] = analyze("--text", "耿马县孟定镇的事情反映了三次，请领导尽快过问", "--region", "530900")
    assert result["region"]["code"] == "530926103"  # 孟定镇
    assert result["region"]["path"] == "530000/530900/530926/530926103/"
    assert 0 < result["region"]["confidence"] <= 1
    assert result["domain"] is None and result["type"] is None
    assert [unit["name"] for unit in result["units"]] == ["孟定镇人民政府"]
    assert result["similar"] == []


def test_a_trained_model_adds_domain_type_and_the_units_of_that_domain(trained):
    [result] = analyze("--text", "永德县城关小学老师在校外开补习班乱收费", "--region", "530900")
    assert result["region"]["code"] == "530923"
    assert result["domain"]["label"] == "教育文体" and len(result["domain"]["top3"]) == 3
    assert result["type"]["label"] in {"complaint", "suggestion"}
    top = result["units"][0]
    assert top["name"] == "永德县教育局" and "领域“教育”" in top["reason"]
    assert set(top) == {"id", "name", "score", "reason"} and 0 < top["score"] <= 1


def test_a_file_gives_one_line_per_row_in_order(tmp_path):
    path = tmp_path / "texts.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "region"])
        writer.writerows(
            [
                ["鼓楼区的小区物业乱收停车费", "320100"],
                ["鼓楼区的小区物业乱收停车费", "350100"],
                ["希望多建一些公园", ""],
            ]
        )
    results = analyze("--file", str(path), "--region-column", "region")
    assert [r["region"] and r["region"]["code"] for r in results] == ["320106", "350102", None]
    assert "物业" in results[0]["units"][0]["reason"]


def test_bad_input_is_refused(tmp_path):
    with pytest.raises(CommandError, match="unknown region code"):
        analyze("--text", "路灯坏了", "--region", "999999")
    path = tmp_path / "empty.csv"
    path.write_text("title\n路灯坏了\n", encoding="utf-8")
    with pytest.raises(CommandError, match="no column 'text'"):
        analyze("--file", str(path))


def test_the_api_analyses_for_a_signed_in_user(client, citizen, trained):
    client.force_login(citizen)
    response = client.post(
        "/api/v1/analyze",
        {"text": "临沧市区公交车太挤，希望增开公交班次", "region": "530900"},
        content_type="application/json",
    )
    body = assert_matches_openapi(response, "post", "/api/v1/analyze")
    assert response.status_code == 200
    assert body["region"]["code"] == "530900" and body["domain"]["label"] == "交通运输"
    assert body["units"][0]["name"] == "临沧市交通运输局"


def test_the_api_refuses_anonymous_users_and_unknown_regions(client, citizen):
    response = client.post("/api/v1/analyze", {"text": "路灯坏了"}, content_type="application/json")
    assert response.status_code == 401
    client.force_login(citizen)
    response = client.post(
        "/api/v1/analyze", {"text": "路灯坏了", "region": "999999"}, content_type="application/json"
    )
    assert (
        response.status_code == 422 and response.json()["error"]["message"] == "未知的行政区划代码：999999。"
    )
    response = client.post("/api/v1/analyze", {"text": ""}, content_type="application/json")
    assert response.status_code == 422 and response.json()["error"]["code"] == "validation_error"


def test_personal_numbers_change_nothing_the_platform_reads(trained):
    """The same message with and without a bank card and an ID number: the same domain, type and units."""
    plain = "永德县城关镇的公交车站台被车辆占用，公交车进不了站，乘客只能在马路中间上下车。"
    personal = (
        plain + "我的身份证号码：53092319800101123X，银行卡号6222 0212 3456 7890 123，开户行农业银行，"
        "电话13812345678。"
    )
    [bare] = analyze("--text", plain, "--region", "530900")
    [masked] = analyze("--text", personal, "--region", "530900")
    assert masked["domain"] == bare["domain"] and masked["type"] == bare["type"]
    assert masked["units"] == bare["units"] and bare["units"][0]["name"] == "永德县交通运输局"
    assert all("身份证" not in unit["reason"] and "金融" not in unit["reason"] for unit in masked["units"])


def test_the_unit_list_is_sorted_floored_and_short(trained):
    [result] = analyze("--text", "永德县城关小学门口车辆乱停乱放，公交车也开不过去", "--region", "530900")
    scores = [unit["score"] for unit in result["units"]]
    assert 1 <= len(scores) <= 3 and scores == sorted(scores, reverse=True) and min(scores) >= 0.1
    assert result["units"][0]["name"] == "永德县交通运输局"
