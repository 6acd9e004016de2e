"""Checks API responses against the project's own OpenAPI schema (as Zulip does)."""

from functools import cache

from django.test import Client
from jsonschema import Draft202012Validator


@cache
def openapi_schema() -> dict:
    """The document as clients see it, at /api/v1/openapi.json."""
    return Client().get("/api/v1/openapi.json").json()


def assert_matches_openapi(response, method: str, path: str) -> dict:
    """Assert the response's status and body are documented for `method path`; return the body."""
    schema = openapi_schema()
    operation = schema["paths"][path][method.lower()]
    documented = operation["responses"]
    assert str(response.status_code) in documented, (
        f"{method} {path} answered {response.status_code}, documented: {sorted(documented)}"
    )
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    body_schema = documented[str(response.status_code)]["content"]["application/json"]["schema"]
    validator = Draft202012Validator({**body_schema, "components": schema["components"]})
    errors = sorted(validator.iter_errors(body), key=str)
    assert not errors, f"{method} {path} body does not match its schema: {errors[0].message}"
    return body
