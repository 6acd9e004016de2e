"""Roles and the permissions they carry (DESIGN.md §3)."""

from django.db import models


class Role(models.TextChoices):
    CITIZEN = "citizen", "网友"
    EDITOR = "editor", "编辑"
    DISPATCHER = "dispatcher", "留言办理工作机构"
    HANDLER = "handler", "办理单位"
    LEADER = "leader", "领导"
    ADMIN = "admin", "管理员"


class Permission(models.TextChoices):
    """What a role may do to objects within its scope; the scope module checks them."""

    VIEW = "view", "查看（含未公开）"
    MODERATE = "moderate", "审核留言"
    REVIEW_REPLY = "review_reply", "审核回复"
    ASSIGN = "assign", "交办"
    DECIDE_EXTENSION = "decide_extension", "审批延期"
    REMIND = "remind", "催办"
    SUPERVISE = "supervise", "督办"
    HANDLE = "handle", "办理"
    INSTRUCT = "instruct", "批示"
    CONFIGURE = "configure", "配置"
    REVIEW_ACCESS = "review_access", "查阅个人信息查阅记录"


ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.CITIZEN: frozenset(),
    Role.EDITOR: frozenset({Permission.VIEW, Permission.MODERATE, Permission.REVIEW_REPLY}),
    Role.DISPATCHER: frozenset(
        {
            Permission.VIEW,
            Permission.ASSIGN,
            Permission.DECIDE_EXTENSION,
            Permission.REMIND,
            Permission.SUPERVISE,
        }
    ),
    Role.HANDLER: frozenset({Permission.VIEW, Permission.HANDLE}),
    Role.LEADER: frozenset(
        {Permission.VIEW, Permission.INSTRUCT, Permission.SUPERVISE, Permission.REVIEW_ACCESS}
    ),
    Role.ADMIN: frozenset(Permission),
}


class AccessKind(models.TextChoices):
    """What a staff member opened of a citizen's unmasked data (the access log of 个人信息保护法)."""

    MESSAGE = "message", "查看留言（含联系方式）"
    EXPORT = "export", "导出（含完整字段）"
    ATTACHMENT = "attachment", "查看未公开留言的附件"


class VerificationPurpose(models.TextChoices):
    REGISTER = "register", "注册"
    RESET_PASSWORD = "reset_password", "重置密码"
