"""PUT /api/v1/campaigns/{slug}: an editor edits a campaign (the same action as the workbench), answered
as the schema says; hostile bodies answer 4xx JSON with the field named, never a 500."""

from datetime import timedelta

import pytest
from django.utils import timezone

from liuyan.board.actions import campaigns
from liuyan.board.choices import CampaignChangeKind, CampaignState
from liuyan.board.models import Campaign
from tests.api.openapi import assert_matches_openapi
from tests.api_client import ApiClient

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)


@pytest.fixture
def campaign(editor):
    return campaigns.create_campaign(
        editor,
        title="我为家乡建言",
        slug="hometown",
        opens_at=NOW - timedelta(days=1),
        closes_at=NOW + timedelta(days=9),
        state=CampaignState.OPEN,
    )


def body(**changes):
    values = {
        "title": "我为家乡建言",
        "opens_at": (NOW - timedelta(days=1)).isoformat(),
        "closes_at": (NOW + timedelta(days=30)).isoformat(),
        "region_codes": ["530900"],
        "type_codes": ["suggestion"],
        "urgent_hours": 48,
    }
    return {**values, **changes}


def put(user, slug: str, data):
    api = ApiClient(user)
    return api.client.put(
        f"/api/v1/campaigns/{slug}", data, content_type="application/json", headers=api.headers
    )


def test_an_editor_edits_a_campaign(editor, campaign):
    response = put(editor, "hometown", body())

    data = assert_matches_openapi(response, "PUT", "/api/v1/campaigns/{slug}")
    assert response.status_code == 200
    assert data["regions"] == ["530900"] and data["allowed_types"] == ["suggestion"]
    assert data["urgent_hours"] == 48 and data["state"] == "open"
    change = campaign.changes.latest("id")
    assert change.kind == CampaignChangeKind.EDITED and "适用地区：全国 → 临沧市" in change.note


@pytest.mark.parametrize(
    ("changes", "status", "field"),
    [
        ({"closes_at": (NOW - timedelta(days=2)).isoformat()}, 422, "closes_at"),
        ({"region_codes": ["999999"]}, 422, "region_codes"),
        ({"title": ""}, 422, "title"),
        ({"urgent_hours": 10**20}, 422, None),
        ({"urgent_hours": -1}, 422, "urgent_hours"),
        ({"title": "标题\x00"}, 422, None),
        ({"region_codes": "530900"}, 422, None),
        ({"opens_at": "2026-02-30T08:00:00"}, 422, None),
    ],
)
def test_hostile_edits_are_refused_as_json(editor, campaign, changes, status, field):
    response = put(editor, "hometown", body(**changes))
    assert response.status_code == status, response.content.decode()[:300]
    error = response.json()["error"]
    assert error["message"]
    if field:  # the action's refusal names its field
        assert field in error["fields"], error
    campaign.refresh_from_db()
    assert campaign.urgent_hours is None and not campaign.regions.exists()


def test_only_editors_edit_and_unknown_campaigns_are_404(citizen, dispatcher, editor, campaign):
    assert put(citizen, "hometown", body()).status_code == 403
    assert put(dispatcher, "hometown", body()).status_code == 403
    assert put(None, "hometown", body()).status_code == 401
    assert put(editor, "no-such", body()).status_code == 404
    assert Campaign.objects.get(slug="hometown").urgent_hours is None
