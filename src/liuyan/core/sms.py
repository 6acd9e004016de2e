"""The SMS gateway interface: one backend class per provider, chosen by settings.SMS_BACKEND. Accounts
text verification codes through it, notify its notifications."""

import functools
import json
import logging
import os
from abc import ABC, abstractmethod

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

logger = logging.getLogger("liuyan.sms")


class SmsBackend(ABC):
    """Sends a text message to a mobile phone through one provider."""

    @abstractmethod
    def send(self, phone: str, text: str, key: str | None = None) -> None:
        """Send `text` to `phone`; raise if the gateway does not accept it, so the caller can retry.

        `key`, when given, is the same on every attempt at one message: a provider's request id field
        (where it has one) should carry it, so that the gateway can recognise a repeat.
        """


class LogSmsBackend(SmsBackend):
    """The default: writes each SMS to the `liuyan.sms` log instead of sending it (no gateway needed)."""

    def send(self, phone: str, text: str, key: str | None = None) -> None:
        logger.info("SMS to %s: %s", phone, text)


class FileSmsBackend(SmsBackend):
    """An outbox file instead of a gateway: each SMS is one JSON line (phone, text, key) appended to
    settings.SMS_FILE_PATH, for a demo, a staging site or a test that counts what went out."""

    def send(self, phone: str, text: str, key: str | None = None) -> None:
        line = json.dumps({"phone": phone, "text": text, "key": key}, ensure_ascii=False) + "\n"
        # One write(2) of the whole line on an O_APPEND descriptor: lines of concurrent workers don't mix.
        descriptor = os.open(settings.SMS_FILE_PATH, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        try:
            os.write(descriptor, line.encode())
        finally:
            os.close(descriptor)


@functools.cache
def get_sms_backend() -> SmsBackend:
    """The backend named by settings.SMS_BACKEND (a dotted path to an `SmsBackend` subclass).

    Built once per process; call `get_sms_backend.cache_clear()` after changing the setting.
    """
    path = settings.SMS_BACKEND
    try:
        backend_class = import_string(path)
    except ImportError as error:
        raise ImproperlyConfigured(f"SMS_BACKEND={path!r} cannot be imported: {error}") from None
    if not (isinstance(backend_class, type) and issubclass(backend_class, SmsBackend)):
        raise ImproperlyConfigured(f"SMS_BACKEND={path!r} is not a subclass of {SmsBackend.__qualname__}.")
    return backend_class()
