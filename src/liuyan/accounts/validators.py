"""Password rules worded in Chinese where Django's own translation falls short."""

from django.contrib.auth.password_validation import MinimumLengthValidator


class ChineseMinimumLengthValidator(MinimumLengthValidator):
    """Django 5.2 reworded this message and its zh-hans catalogue no longer matches, so say it ourselves."""

    def get_error_message(self) -> str:
        return f"密码太短，至少需要 {self.min_length} 个字符。"

    def get_help_text(self) -> str:
        return f"密码至少需要 {self.min_length} 个字符。"
