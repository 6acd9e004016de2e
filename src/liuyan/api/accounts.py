"""Account endpoints: registration, issuing API tokens, telling who a token belongs to, password reset."""

from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from ninja import Field, Path, Router, Schema, Status

from liuyan.accounts.actions import (
    issue_api_token,
    register_citizen_with_phone_code,
    reset_password_with_phone_code,
    revoke_api_token,
    send_password_reset_code,
    send_phone_code,
)
from liuyan.accounts.client import client_address
from liuyan.accounts.limits import TooManyAttempts, sign_in_refusal
from liuyan.accounts.models import ApiToken
from liuyan.accounts.selectors import tokens_of, user_summary
from liuyan.accounts.two_factor import needs_second_factor
from liuyan.api.auth import signed_in
from liuyan.api.errors import ApiError, ErrorOut, error_response
from liuyan.api.fields import Line
from liuyan.api.throttles import AuthThrottle

router = Router(tags=["账户"])


class Credentials(Schema):
    username: Line = Field(..., min_length=1, max_length=150)
    password: Line = Field(..., min_length=1, max_length=256)
    name: Line = Field("", max_length=60, description="令牌名称，便于日后识别")


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
    username: Line = Field(..., max_length=30)
    password: Line = Field(..., max_length=256)
    phone: Line | None = Field(None, max_length=11, description="可不填；填写时须同时提供短信验证码 code")
    code: Line | None = Field(None, max_length=6, description="POST /auth/phone-code 发到手机的 6 位验证码")
    nickname: Line | None = Field(None, max_length=30)


class PhoneIn(Schema):
    phone: Line = Field(..., max_length=11)


class CodeSentOut(Schema):
    phone: str
    expires_at: str


class PasswordResetIn(Schema):
    phone: Line = Field(..., max_length=11)
    code: Line = Field(..., max_length=6, description="POST /auth/password-reset/code 发到手机的 6 位验证码")
    password: Line = Field(..., max_length=256, description="新密码")


class PasswordResetOut(Schema):
    username: str = Field(description="用这个用户名和新密码登录")


def _field_errors(error: ValidationError, code: str):
    fields = {name: "；".join(messages) for name, messages in error.message_dict.items()}
    return error_response(422, code, next(iter(fields.values())), fields=fields)


def _code_sent(verification) -> Status:
    return Status(201, {"phone": verification.phone, "expires_at": verification.expires_at.isoformat()})


@router.post(
    "/auth/register",
    response={201: UserOut, 400: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    throttle=[AuthThrottle()],
    summary="注册网友账号",
)
def register(request, payload: RegistrationIn):
    try:
        user = register_citizen_with_phone_code(**payload.dict())
    except ValidationError as error:
        return _field_errors(error, "invalid_registration")
    return Status(201, user_summary(user))


@router.post(
    "/auth/phone-code",
    response={201: CodeSentOut, 400: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    throttle=[AuthThrottle()],
    summary="发送手机验证码（注册用）",
    description="同一手机号每分钟 1 条、每小时 5 条；同一地址每小时 LIUYAN_PHONE_CODE_ADDRESS_RATE 条。"
    "已注册的号码收到提示短信而不是验证码，应答相同。",
)
def phone_code(request, payload: PhoneIn):
    """The answer is the same whether or not the number has an account (one that has gets a notice by
    SMS instead of a code): a number's holder learns it, not whoever asks."""
    try:
        verification = send_phone_code(payload.phone, address=client_address(request))
    except ValidationError as error:
        return _field_errors(error, "invalid_phone")
    return _code_sent(verification)


# Staff's tokens open citizens' data: they are made only after the second factor, never on a password.
STAFF_TOKEN_REFUSAL = (
    "工作人员账号不能仅凭密码获取令牌。请在网页登录并完成两步验证（动态验证码）后，"
    "在“账户安全”页（/accounts/）生成令牌。"
)


@router.post(
    "/auth/token",
    response={201: TokenOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    throttle=[AuthThrottle()],
    summary="获取访问令牌",
    description="网友账号凭用户名和密码获取令牌。工作人员账号须两步验证，不能仅凭密码获取（403）："
    "请在网页登录并完成两步验证后，在“账户安全”页生成令牌。令牌在 LIUYAN_TOKEN_DAYS 天后失效。",
)
def create_token(request, credentials: Credentials):
    user = authenticate(request, username=credentials.username, password=credentials.password)
    if user is None:
        refusal = sign_in_refusal(request)
        if refusal is not None:
            raise TooManyAttempts(refusal)
        raise ApiError(401, "invalid_credentials", "用户名或密码错误。")
    if needs_second_factor(user):
        raise ApiError(403, "second_factor_required", STAFF_TOKEN_REFUSAL)
    token = issue_api_token(user, credentials.name)
    return Status(201, {"token": token, "token_type": "Bearer", "user": user_summary(user)})


@router.post(
    "/auth/password-reset/code",
    response={201: CodeSentOut, 400: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    throttle=[AuthThrottle()],
    summary="发送找回密码的手机验证码",
    description="只有网友账号可以凭绑定的手机号找回密码；其他号码收到提示短信而不是验证码，应答相同。"
    "限制与注册验证码相同。",
)
def password_reset_code(request, payload: PhoneIn):
    try:
        verification = send_password_reset_code(payload.phone, address=client_address(request))
    except ValidationError as error:
        return _field_errors(error, "invalid_phone")
    return _code_sent(verification)


@router.post(
    "/auth/password-reset",
    response={200: PasswordResetOut, 400: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    throttle=[AuthThrottle()],
    summary="凭手机验证码设置新密码",
    description="成功后，该账号的全部 API 令牌失效，其他已登录的会话退出。",
)
def password_reset(request, payload: PasswordResetIn):
    try:
        user = reset_password_with_phone_code(**payload.dict())
    except ValidationError as error:
        return _field_errors(error, "invalid_password_reset")
    return {"username": user.username}


@router.get("/me", response={200: UserOut, 401: ErrorOut}, auth=signed_in, summary="当前用户")
def me(request):
    return user_summary(request.auth)


class TokenInfoOut(Schema):
    id: int
    name: str
    prefix: str = Field(description="令牌开头几位，便于识别")
    created_at: str
    last_used_at: str | None
    expires_at: str = Field(description="失效时间")
    expired: bool


@router.get(
    "/auth/tokens",
    response={200: list[TokenInfoOut], 401: ErrorOut},
    auth=signed_in,
    summary="我的令牌",
    description="当前用户未撤销的令牌（含已过期的），新的在前。令牌本身不再显示。",
)
def list_tokens(request):
    return [
        {
            "id": token.id,
            "name": token.name,
            "prefix": token.prefix,
            "created_at": token.created_at.isoformat(),
            "last_used_at": token.last_used_at.isoformat() if token.last_used_at else None,
            "expires_at": token.ends_at.isoformat(),
            "expired": token.expired,
        }
        for token in tokens_of(request.auth)
    ]


@router.delete(
    "/auth/tokens/{token_id}",
    response={204: None, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    auth=signed_in,
    summary="撤销令牌",
    description="撤销后，用这个令牌的请求一律 401。只能撤销自己的令牌。",
)
def revoke_token(request, token_id: int = Path(..., ge=1, le=2**63 - 1)):
    api_token = ApiToken.objects.filter(pk=token_id, user=request.auth, revoked_at=None).first()
    if api_token is None:
        raise ApiError(404, "not_found", "没有这个令牌。")
    revoke_api_token(api_token)
    return Status(204, None)
