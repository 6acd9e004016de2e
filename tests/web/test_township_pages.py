"""Township pages (/regions/<nine digits>/): figures like a county's, the leaders and the county desk that
dispatches their messages, the township's government; a county's page lists its townships by kind; a region
that has gone points to its successor."""

import pytest

from liuyan.board.choices import MessageState
from liuyan.directory.models import Leader
from tests.townships import DEDANG, YONGKANG, answered_in, gone_township, township

pytestmark = pytest.mark.django_db


def test_a_county_page_links_its_townships_grouped_by_kind(client):
    township(*DEDANG)
    township(*YONGKANG)

    response = client.get("/regions/530923/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "下辖乡镇（街道）" in html
    assert 'href="/regions/530923100/"' in html and 'href="/regions/530923102/"' in html
    groups = dict(response.context["child_groups"])
    assert {"530923100", "530923102"} <= {region.code for region in groups["镇"]}
    assert all(region.name.endswith("镇") for region in groups["镇"])


def test_a_township_page_shows_its_figures_leaders_desk_and_government(client, citizen, admin_user):
    dedang = township(*DEDANG)
    message = answered_in(dedang, citizen, admin_user)
    assert message.state == MessageState.REPLIED

    response = client.get("/regions/530923100/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "德党镇" in html and "乡级 · 530923100" in html
    assert [step.code for step in response.context["path"]] == ["530000", "530900", "530923", "530923100"]
    for leader in Leader.objects.filter(region=dedang, active=True):
        assert f'href="/leaders/{leader.id}/"' in html
    assert "留言由 永德县留言办理工作机构 受理并交办" in html
    assert [unit.region_id for unit in response.context["organs"]] == ["530923100"]
    figures = response.context["figures"]
    assert (figures.messages, figures.replies) == (1, 1)
    assert 'href="/messages/?region=530923100"' in html
    # The county's figures count its township's message too.
    assert client.get("/regions/530923/").context["figures"].messages == 1


def test_a_township_message_list_and_stats_page_read_the_township(client, citizen, admin_user):
    dedang = township(*DEDANG)
    answered_in(dedang, citizen, admin_user)

    listed = client.get("/messages/", {"region": "530923100"})
    stats = client.get("/stats/regions/530923/")

    assert listed.context["page"].paginator.count == 1
    assert stats.status_code == 200 and "乡镇" in stats.content.decode()
    assert client.get("/stats/regions/530923100/").status_code == 200


def test_a_region_that_has_gone_points_to_its_successor(client):
    dedang = township(*DEDANG)
    gone_township(dedang)

    html = client.get("/regions/530923199/").content.decode()

    assert "该行政区划已撤销或更名，现为" in html and 'href="/regions/530923100/"' in html
    assert "530923199" not in client.get("/regions/530923/").content.decode()


def test_codes_of_other_lengths_name_no_page(client):
    for code in ["53092310", "5309231000", "53092310x"]:
        assert client.get(f"/regions/{code}/").status_code == 404
    assert client.get("/regions/530923999/").status_code == 404


def test_township_and_county_pages_keep_their_query_counts(
    client, citizen, admin_user, django_assert_max_num_queries
):
    dedang = township(*DEDANG)
    answered_in(dedang, citizen, admin_user)
    for url in ["/regions/530923100/", "/regions/530923/", "/regions/530900/"]:
        with django_assert_max_num_queries(12):
            assert client.get(url).status_code == 200
