"""Account endpoints: issuing API tokens and telling who a token belongs to."""

from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from ninja import Field, Router, Schema, Status

from liuyan.accounts.actions import issue_api_token, register_citizen_with_phone_code, send_phone_code
from liuyan.accounts.selectors import user_summary
from liuyan.api.auth import signed_in
from liuyan.api.errors import ApiError, ErrorOut, error_response
from liuyan.api.throttles import AuthThrottle

router = Router(tags=["账户"])


class Credentials(Schema):
    username: str = Field(..., min_length=1, max_length=150)
    password: str = Field(..., min_length=1, max_length=256)
    name: str = Field("", max_length=60, description="令牌名称，便于日后识别")


class RoleOut(Schema):
    role: str
    unit: dict | None
    region: dict | None


class UserOut(Schema):
    id: int
    username: str
    nickname: str
    roles: list[RoleOut]


class TokenOut(Schema):
    token: str = Field(description="只显示这一次，请妥善保存")
    token_type: str = "Bearer"
    user: UserOut


class RegistrationIn(Schema):
    username: str = Field(..., max_length=30)
    password: str = Field(..., max_length=256)
    phone: str | None = Field(None, max_length=11, description="可不填；填写时须同时提供短信验证码 code")
    code: str | None = Field(None, max_length=6, description="POST /auth/phone-code 发到手机的 6 位验证码")
    nickname: str | None = Field(None, max_length=30)


class PhoneIn(Schema):
    phone: str = Field(..., max_length=11)


class CodeSentOut(Schema):
    phone: str
    expires_at: str


@router.post(
    "/auth/register",
    response={201: UserOut, 422: ErrorOut, 429: ErrorOut},
    throttle=[AuthThrottle()],
    summary="注册网友账号",
)
def register(request, payload: RegistrationIn):
    try:
        user = register_citizen_with_phone_code(**payload.dict())
    except ValidationError as error:
        fields = {name: "；".join(messages) for name, messages in error.message_dict.items()}
        return error_response(422, "invalid_registration", next(iter(fields.values())), fields=fields)
    return Status(201, user_summary(user))


@router.post(
    "/auth/phone-code",
    response={201: CodeSentOut, 422: ErrorOut, 429: ErrorOut},
    throttle=[AuthThrottle()],
    summary="发送手机验证码（注册用）",
)
def phone_code(request, payload: PhoneIn):
    try:
        verification = send_phone_code(payload.phone)
    except ValidationError as error:
        fields = {name: "；".join(messages) for name, messages in error.message_dict.items()}
        return error_response(422, "invalid_phone", next(iter(fields.values())), fields=fields)
    return Status(201, {"phone": verification.phone, "expires_at": verification.expires_at.isoformat()})


@router.post(
    "/auth/token",
    response={201: TokenOut, 401: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    throttle=[AuthThrottle()],
    summary="获取访问令牌",
)
def create_token(request, credentials: Credentials):
    user = authenticate(request, username=credentials.username, password=credentials.password)
    if user is None:
        raise ApiError(401, "invalid_credentials", "用户名或密码错误。")
    token = issue_api_token(user, credentials.name)
    return Status(201, {"token": token, "token_type": "Bearer", "user": user_summary(user)})


@router.get("/me", response={200: UserOut, 401: ErrorOut}, auth=signed_in, summary="当前用户")
def me(request):
    return user_summary(request.auth)
