"""The SVG charts: well-formed XML, escaped text, an empty state, and drawings proportional to the data."""

import math
import xml.etree.ElementTree as ET

import pytest
from django.utils.safestring import SafeString

from liuyan.reports import charts

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    assert isinstance(svg, SafeString)
    root = ET.fromstring(str(svg))
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert "style" not in svg  # the pages' CSP forbids inline styles
    return root


def texts(root: ET.Element) -> list[str]:
    return [element.text or "" for element in root.iter(f"{SVG}text")]


def test_bar_lengths_are_proportional_to_values():
    root = parse(charts.bar_chart([("北京市", 40), ("湖北省", 20), ("云南省", 0)], title="回复率", unit="%"))
    bars = {
        bar.get("data-value"): float(bar.get("width"))
        for bar in root.iter(f"{SVG}rect")
        if bar.get("class") == "bar"
    }
    assert bars["40"] == pytest.approx(2 * bars["20"], rel=0.01)
    assert bars["0"] == 0
    assert root.get("aria-label") == "回复率"
    assert root.find(f"{SVG}title").text == "回复率"
    assert {"北京市", "40%", "20%", "0%"} <= set(texts(root))


def test_values_are_formatted_whole_or_with_two_decimals_at_most():
    root = parse(charts.bar_chart([("甲", 12.0), ("乙", 85.333333), ("丙", 7.5)], title="t"))
    assert {"12", "85.33", "7.5"} <= set(texts(root))


def test_text_is_escaped():
    evil = '<script>alert("x")</script>&'
    for svg in (
        charts.bar_chart([(evil, 1)], title=evil),
        charts.line_chart([evil], [(evil, [1])], title=evil),
        charts.share_chart([(evil, 1)], title=evil),
        charts.region_map([(evil, 100.0, 30.0, 5)], title=evil),
    ):
        root = parse(svg)
        assert "<script>" not in svg
        assert root.get("aria-label") == evil
        assert any(evil in text for text in texts(root))


@pytest.mark.parametrize(
    "svg",
    [
        charts.bar_chart([], title="空"),
        charts.line_chart([], [("留言量", [])], title="空"),
        charts.line_chart(["01", "02"], [("留言量", [None, None])], title="空"),
        charts.share_chart([("城建", 0)], title="空"),
        charts.region_map([], title="空"),
        charts.region_map([("无坐标", None, None, 3)], title="空"),
    ],
)
def test_empty_data_draws_a_note(svg):
    assert texts(parse(svg))[-1] == "暂无数据"


def test_line_chart_points_follow_values_and_gaps_break_the_line():
    labels = [f"03-{day:02d}" for day in range(1, 31)]
    values = [float(day) for day in range(30)]
    values[10] = None
    root = parse(charts.line_chart(labels, [("留言量", values), ("回复量", [0.0] * 30)], title="趋势"))
    lines = [line for line in root.iter(f"{SVG}polyline") if line.get("data-series") == "留言量"]
    assert len(lines) == 2  # broken at the missing day
    points = [tuple(map(float, pair.split(","))) for pair in lines[1].get("points").split()]
    # Equal steps in value are equal steps in height.
    drops = {round(points[i][1] - points[i + 1][1], 1) for i in range(len(points) - 1)}
    assert len(drops) == 1 and drops.pop() > 0
    shown = [text for text in texts(root) if text.startswith("03-")]
    assert shown[0] == "03-01" and shown[-1] == "03-30"
    assert 2 < len(shown) < 30  # thinned to fit
    assert {"留言量", "回复量"} <= set(texts(root))


def test_line_chart_refuses_more_than_four_series():
    with pytest.raises(ValueError):
        charts.line_chart(["a"], [(str(i), [1]) for i in range(5)], title="t")


def test_share_chart_slices_sum_to_the_whole_and_small_ones_become_other():
    rows = [("城建", 50), ("交通", 30), ("环保", 10), ("教育", 5), ("医疗", 3), ("三农", 1), ("就业", 1)]
    root = parse(charts.share_chart(rows, title="领域"))
    slices = [float(element.get("data-share")) for element in root.iter() if element.get("class") == "slice"]
    assert sum(slices) == pytest.approx(1.0, abs=0.001)
    assert slices[0] == pytest.approx(0.5)
    legend = texts(root)
    assert any(text.startswith("城建") and "50.0%" in text for text in legend)
    assert any(text.startswith("其他") and "2.0%" in text for text in legend)  # 三农 + 就业, each 1%
    assert not any(text.startswith("三农") for text in legend)


def test_share_chart_of_one_part_is_a_full_ring():
    root = parse(charts.share_chart([("投诉", 7)], title="类型"))
    assert [element.tag for element in root.iter() if element.get("class") == "slice"] == [f"{SVG}circle"]


def test_region_map_bubble_area_is_proportional_and_places_follow_coordinates():
    points = [("北京市", 116.4, 39.9, 400), ("广东省", 113.3, 23.1, 100), ("新疆", 87.6, 43.8, 0)]
    root = parse(charts.region_map(points, title="地图", width=640, height=480))
    bubbles = {bubble.find(f"{SVG}title").text.split("：")[0]: bubble for bubble in root.iter(f"{SVG}circle")}
    beijing, guangdong, xinjiang = bubbles["北京市"], bubbles["广东省"], bubbles["新疆"]
    ratio = (float(beijing.get("r")) / float(guangdong.get("r"))) ** 2
    assert ratio == pytest.approx(4, rel=0.02)
    assert float(beijing.get("cy")) < float(guangdong.get("cy"))  # north is up
    assert float(xinjiang.get("cx")) < float(beijing.get("cx"))  # west is left
    for bubble in bubbles.values():
        x, y, r = (float(bubble.get(name)) for name in ("cx", "cy", "r"))
        assert r <= x <= 640 - r and 30 + r <= y <= 480 - r
    assert any(text.startswith("北京市") for text in texts(root))


def test_region_map_of_one_place_is_centred():
    root = parse(charts.region_map([("昆明市", 102.7, 25.0, 9)], title="一处", width=400, height=300))
    bubble = next(root.iter(f"{SVG}circle"))
    assert math.isclose(float(bubble.get("cx")), 200, abs_tol=1)


def test_charts_render_in_weasyprint():
    weasyprint = pytest.importorskip("weasyprint")
    svg = charts.bar_chart([("北京市", 3)], title="回复量")
    document = weasyprint.HTML(string=f"<html><body>{svg}</body></html>").render()
    assert len(document.pages) == 1
    assert document.write_pdf().startswith(b"%PDF")
