"""Bearer-token authentication for the API."""

from ninja.security import HttpBearer

from liuyan.accounts.actions import authenticate_api_token


class BearerToken(HttpBearer):
    openapi_scheme = "bearer"

    def authenticate(self, request, token: str):
        user = authenticate_api_token(token)
        if user is not None:
            request.user = user
        return user
