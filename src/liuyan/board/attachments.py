"""Checking an uploaded file by its content, not its name: images (JPEG/PNG/WebP) and PDF only."""

import hashlib

from django.core.files.uploadedfile import UploadedFile
from PIL import Image, UnidentifiedImageError

MAX_ATTACHMENTS = 5
MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


class RejectedFile(ValueError):
    """The file is not one we accept; the message says why, in Chinese."""


def sniff(upload: UploadedFile) -> tuple[str, str]:
    """The content type of an acceptable upload and its SHA-256, or RejectedFile."""
    name = upload.name or "文件"
    if upload.size > MAX_ATTACHMENT_BYTES:
        raise RejectedFile(f"“{name}”超过 5 MB，请压缩后再上传。")
    if upload.size == 0:
        raise RejectedFile(f"“{name}”是空文件。")
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        content_type = "application/pdf"
    else:
        try:
            with Image.open(upload) as image:
                image.verify()
                content_type = IMAGE_FORMATS.get(image.format or "")
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            content_type = None
        if content_type is None:
            raise RejectedFile(f"“{name}”不是 JPEG、PNG、WebP 图片或 PDF 文件。")
    upload.seek(0)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return content_type, digest.hexdigest()
