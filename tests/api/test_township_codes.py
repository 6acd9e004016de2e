"""Every API entry that takes a region's code takes a township's nine digits too, and refuses other lengths
with the usual structured error."""

import pytest


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/messages?region={code}",
        "/api/v1/search?q=道路&region={code}",
        "/api/v1/regions?parent={code}",
    ],
)
def test_a_township_code_is_a_region_code(client, db, path):
    response = client.get(path.format(code="530923100"))
    assert response.status_code == 200, response.content
    refused = client.get(path.format(code="5309231"))
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "validation_error"
