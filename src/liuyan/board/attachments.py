"""Checking an uploaded file by its content, not its name (JPEG/PNG/WebP images and PDF only), and
rewriting it so that only the content is kept: anonymous readers download attachments, and a phone photo
carries the place it was taken (EXIF GPS), the camera, XMP and ICC comments; a PDF its author and software.
"""

import hashlib
import io
from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError
from pypdf import PdfReader, PdfWriter
from pypdf.generic import StreamObject

MAX_ATTACHMENTS = 5
MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
# A 48-megapixel phone photo fits (decoding it takes about 150 MB); more pixels than this in a 5 MB file
# is a decompression bomb, refused from the header before any pixel is decoded.
MAX_IMAGE_PIXELS = 50_000_000
PDF = "application/pdf"
# Pillow's format → the format it is saved in again, and the type served. MPO is how Pillow reads the
# JPEG of many phones (a photo with a second, depth or preview, image); its first image is kept.
IMAGE_FORMATS = {
    "JPEG": ("JPEG", "image/jpeg"),
    "MPO": ("JPEG", "image/jpeg"),
    "PNG": ("PNG", "image/png"),
    "WEBP": ("WEBP", "image/webp"),
}
SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


class RejectedFile(ValueError):
    """The file is not one we accept; the message says why, in Chinese."""


@dataclass(frozen=True)
class CleanFile:
    """An accepted upload as it will be stored: re-encoded without metadata."""

    content: bytes
    content_type: str

    @property
    def size(self) -> int:
        return len(self.content)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def clean(upload: UploadedFile) -> CleanFile:
    """The upload rewritten without metadata, or RejectedFile."""
    name = upload.name or "文件"
    if upload.size > MAX_ATTACHMENT_BYTES:
        raise RejectedFile(f"“{name}”超过 5 MB，请压缩后再上传。")
    if upload.size == 0:
        raise RejectedFile(f"“{name}”是空文件。")
    upload.seek(0)
    data = upload.read(MAX_ATTACHMENT_BYTES + 1)
    upload.seek(0)
    if data.startswith(b"%PDF-"):
        return CleanFile(_rewrite_pdf(data, name), PDF)
    return _reencode_image(data, name)


def _reencode_image(data: bytes, name: str) -> CleanFile:
    try:
        # Not `with`: closing the image would drop the pixels it is about to be saved from.
        image = Image.open(io.BytesIO(data))
        if image.format not in IMAGE_FORMATS:
            raise _not_accepted(name)
        if image.width * image.height > MAX_IMAGE_PIXELS:
            raise _too_many_pixels(name, image.width, image.height)
        save_as, content_type = IMAGE_FORMATS[image.format]
        image.load()
        # Turned upright as the camera meant it: the orientation tag goes with the rest of the EXIF.
        # In place, and the profile too where it can be: a 48-megapixel copy is 144 MB more.
        ImageOps.exif_transpose(image, in_place=True)
        pixels = _in_srgb(image)
    except RejectedFile:
        raise
    except Image.DecompressionBombError:
        raise _too_many_pixels(name) from None
    except UnidentifiedImageError:
        raise _not_accepted(name) from None
    except (OSError, SyntaxError, ValueError, EOFError):
        # How Pillow says "truncated" or "broken" once it has recognised the format.
        raise RejectedFile(f"图片“{name}”已损坏，无法读取。") from None
    if "transparency" in pixels.info or pixels.mode in ("LA", "PA"):
        pixels = pixels.convert("RGBA")
    if save_as == "JPEG" and pixels.mode not in ("L", "RGB"):
        pixels = pixels.convert("RGB")
    elif save_as == "WEBP" and pixels.mode not in ("RGB", "RGBA"):
        pixels = pixels.convert("RGBA" if "A" in pixels.mode else "RGB")
    # Everything Pillow read besides the pixels (EXIF, XMP, ICC profile, comments, PNG text) is in
    # `info`; some encoders write it back unless told otherwise.
    pixels.info.clear()
    out = io.BytesIO()
    options = {"JPEG": {"quality": 90}, "WEBP": {"quality": 90}, "PNG": {}}[save_as]
    pixels.save(out, save_as, exif=b"", **options)
    return CleanFile(out.getvalue(), content_type)


def _in_srgb(image: Image.Image) -> Image.Image:
    """The image converted from its embedded colour profile to sRGB, so that the profile can be dropped
    without changing the colours (phones take photos in Display P3)."""
    profile = image.info.get("icc_profile")
    if not profile or image.mode not in ("RGB", "RGBA", "CMYK"):
        return image
    mode = "RGBA" if image.mode == "RGBA" else "RGB"
    try:
        converted = ImageCms.profileToProfile(
            image, io.BytesIO(profile), SRGB, outputMode=mode, inPlace=image.mode == mode
        )
        return converted or image
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return image  # a profile LittleCMS cannot read: the colours stay as they are


def _not_accepted(name: str) -> RejectedFile:
    return RejectedFile(f"“{name}”不是 JPEG、PNG、WebP 图片或 PDF 文件。")


def _too_many_pixels(name: str, width: int | None = None, height: int | None = None) -> RejectedFile:
    size = f"（{width}×{height}）" if width and height else ""
    return RejectedFile(
        f"“{name}”的像素过多{size}，最多 {MAX_IMAGE_PIXELS // 10_000} 万像素，请缩小后再上传。"
    )


def _rewrite_pdf(data: bytes, name: str) -> bytes:
    """The PDF written anew without its document information, XMP metadata and page-piece data, and its
    JPEG images without EXIF (a photo "printed" to PDF often keeps where it was taken)."""
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise RejectedFile(f"“{name}”是加密的 PDF，请去掉密码后再上传。")
        if len(reader.pages) == 0:
            raise RejectedFile(f"“{name}”没有页面。")
        writer = PdfWriter(clone_from=reader)
        writer.metadata = None
        writer.xmp_metadata = None
        writer.root_object.pop("/PieceInfo", None)
        for page in writer.pages:
            page.pop("/Metadata", None)
            page.pop("/PieceInfo", None)
        # The objects just cut off are still in the writer: without this they would be written too.
        writer.compress_identical_objects(remove_duplicates=False, remove_unreferenced=True)
        # Every object left, wherever it is used (pages, forms, annotations). A DCT image's encoded bytes are
        # a JPEG file, set as they are (pypdf cannot encode DCT).
        for stream in writer._objects:
            if _is_jpeg_image(stream):
                stream._data = _without_jpeg_metadata(stream._data)
        out = io.BytesIO()
        writer.write(out)
    except RejectedFile:
        raise
    except Exception:  # pypdf answers a broken or hostile file with many kinds of error
        raise RejectedFile(f"“{name}”不是有效的 PDF 文件，或者文件已损坏，无法读取。") from None
    return out.getvalue()


# JPEG markers: SOS starts the compressed data; these stand alone, without a length.
_SOS = 0xDA
_STANDALONE = {0x01, *range(0xD0, 0xD8)}
# APP1–APP13 and APP15 (EXIF, XMP, ICC, makers' data) and COM; APP0 (JFIF) and APP14 (Adobe's colour
# transform, needed to show CMYK right) stay.
_METADATA = {*range(0xE1, 0xEE), 0xEF, 0xFE}


def _is_jpeg_image(pdf_object) -> bool:
    return (
        isinstance(pdf_object, StreamObject)
        and pdf_object.get("/Subtype") == "/Image"
        and pdf_object.get("/Filter") in ("/DCTDecode", ["/DCTDecode"])
    )


def _without_jpeg_metadata(data: bytes) -> bytes:
    """The JPEG's segments before its compressed data without the metadata ones; the pixels untouched."""
    if not data.startswith(b"\xff\xd8"):
        return data
    kept, at = [data[:2]], 2
    while at + 4 <= len(data) and data[at] == 0xFF:
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
        elif marker == _SOS:
            return b"".join([*kept, data[at:]])
        elif marker in _STANDALONE:
            kept.append(data[at : at + 2])
            at += 2
        else:
            end = at + 2 + int.from_bytes(data[at + 2 : at + 4], "big")
            if marker not in _METADATA:
                kept.append(data[at:end])
            at = end
    raise ValueError("a JPEG image in the PDF ends before its data")
