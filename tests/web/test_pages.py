import pytest
from django.core.cache import cache

pytestmark = pytest.mark.django_db


def test_home_lists_the_provinces_and_real_figures(client, django_assert_max_num_queries):
    cache.clear()
    # Cold: the figures' counts (6), the page's lists, the hot topics' messages and the ranking (2); then
    # the figures, topics and ranking come from the cache.
    with django_assert_max_num_queries(13):
        assert client.get("/").status_code == 200
    with django_assert_max_num_queries(4):
        response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-Hans">' in html
    assert "云南省" in html and 'href="/regions/530000/"' in html
    assert response.context["figures"]["regions"] == 41935  # the 2025 table's, and 台湾省


def test_region_browser_goes_province_to_county(client):
    index = client.get("/regions/")
    assert index.status_code == 200 and "内蒙古自治区" in index.content.decode()

    province = client.get("/regions/530000/").content.decode()
    assert "云南省委书记" in province and 'href="/regions/530900/"' in province

    prefecture = client.get("/regions/530900/").content.decode()
    assert "临沧市市长" in prefecture and 'href="/regions/530923/"' in prefecture and "下辖区县" in prefecture

    county = client.get("/regions/530923/")
    html = county.content.decode()
    assert "永德县委书记" in html and "永德县县长" in html
    assert "永德县留言办理工作机构" in html and "永德县教育局" in html
    assert [r.code for r in county.context["path"]] == ["530000", "530900", "530923"]


def test_region_page_query_count_is_bounded(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        response = client.get("/regions/530900/")
    assert response.status_code == 200


def test_unknown_region_is_404(client):
    assert client.get("/regions/999999/").status_code == 404


def test_admin_is_served_in_chinese(client):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    assert "留言板管理" in response.content.decode()


def test_admin_lists_the_directory_for_an_operator(client, admin_user):
    client.force_login(admin_user)
    response = client.get("/admin/directory/unit/?q=530923")
    assert response.status_code == 200
    assert "永德县教育局" in response.content.decode()
