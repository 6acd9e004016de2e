"""Attachments as anonymous readers get them: re-encoded without metadata (GPS, camera, XMP, ICC, PNG text,
PDF document information), under a neutral name (附件1.jpg), never the uploaded name; decompression bombs,
broken files and an unwritable store refused with a clear error and nothing half-saved; staff looks at
unpublished attachments recorded."""

import io
import os
import resource
import signal
import struct
import zlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageCms, PngImagePlugin
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject, NumberObject, StreamObject

from liuyan.accounts.choices import AccessKind
from liuyan.accounts.models import AccessRecord
from liuyan.board.actions import moderation, submission
from liuyan.board.models import Attachment, Event, Message
from liuyan.directory.models import Domain, Leader
from tests.api_client import ApiClient
from tests.factories import make_message

pytestmark = pytest.mark.django_db

# What a citizen's files carry and nobody downloading them may learn.
UPLOADED_NAME = "photo_张三_13912345678.jpg"
SECRETS = [b"SecretMaker", b"SecretModel", b"SecretXMP", b"SecretComment", b"SecretAuthor", b"SecretTitle"]
GPS = {1: "N", 2: (23.0, 53.0, 10.0), 3: "E", 4: (100.0, 5.0, 2.0)}


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def exif(orientation: int = 1) -> Image.Exif:
    data = Image.Exif()
    data[0x010F] = "SecretMaker"
    data[0x0110] = "SecretModel"
    data[0x0112] = orientation
    data[0x8825] = GPS
    return data


def jpeg_with_metadata(orientation: int = 6) -> bytes:
    """40×20: red on the left, blue on the right; orientation 6 means "turn 90° clockwise to view"."""
    image = Image.new("RGB", (40, 20), "red")
    image.paste((0, 0, 255), (20, 0, 40, 20))
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    buffer = io.BytesIO()
    image.save(
        buffer,
        "JPEG",
        exif=exif(orientation),
        icc_profile=srgb,
        comment=b"SecretComment",
        xmp=b'<x:xmpmeta xmlns:x="adobe:ns:meta/">SecretXMP</x:xmpmeta>',
    )
    data = buffer.getvalue()
    assert all(secret in data for secret in SECRETS[:4])
    return data


def png_with_metadata() -> bytes:
    text = PngImagePlugin.PngInfo()
    text.add_text("Author", "SecretAuthor")
    text.add_itxt("Comment", "SecretComment", zip=True)
    buffer = io.BytesIO()
    Image.new("RGBA", (16, 16), (0, 128, 0, 128)).save(buffer, "PNG", pnginfo=text, exif=exif())
    return buffer.getvalue()


def webp_with_metadata() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), "green").save(
        buffer, "WEBP", exif=exif(), xmp=b'<x:xmpmeta xmlns:x="adobe:ns:meta/">SecretXMP</x:xmpmeta>'
    )
    assert b"SecretMaker" in buffer.getvalue()
    return buffer.getvalue()


def pdf_with_metadata(pages: int = 2) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(200, 200)
    writer.add_metadata({"/Author": "SecretAuthor", "/Title": "SecretTitle"})
    xmp = DecodedStreamObject()
    xmp.set_data(b'<x:xmpmeta xmlns:x="adobe:ns:meta/">SecretXMP</x:xmpmeta>')
    xmp[NameObject("/Type")] = NameObject("/Metadata")
    xmp[NameObject("/Subtype")] = NameObject("/XML")
    writer.root_object[NameObject("/Metadata")] = writer._add_object(xmp)
    buffer = io.BytesIO()
    writer.write(buffer)
    data = buffer.getvalue()
    assert all(secret in data for secret in (b"SecretAuthor", b"SecretTitle", b"SecretXMP"))
    return data


def pdf_with_a_photo() -> bytes:
    """A PDF whose one page shows a JPEG embedded byte for byte, EXIF and all, as photo-to-PDF tools do."""
    photo = jpeg_with_metadata(orientation=1)
    writer = PdfWriter()
    page = writer.add_blank_page(40, 20)
    image = StreamObject()
    image._data = photo
    image.update(
        {
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Image"),
            NameObject("/Width"): NumberObject(40),
            NameObject("/Height"): NumberObject(20),
            NameObject("/ColorSpace"): NameObject("/DeviceRGB"),
            NameObject("/BitsPerComponent"): NumberObject(8),
            NameObject("/Filter"): NameObject("/DCTDecode"),
        }
    )
    xobjects = DictionaryObject({NameObject("/Im0"): writer._add_object(image)})
    page[NameObject("/Resources")] = DictionaryObject({NameObject("/XObject"): xobjects})
    content = DecodedStreamObject()
    content.set_data(b"q 40 0 0 20 0 0 cm /Im0 Do Q")
    page[NameObject("/Contents")] = writer._add_object(content)
    buffer = io.BytesIO()
    writer.write(buffer)
    assert b"SecretMaker" in buffer.getvalue() and b"SecretXMP" in buffer.getvalue()
    return buffer.getvalue()


def huge_png(width: int, height: int) -> bytes:
    """A complete, valid 1-bit PNG of width × height white pixels: a few hundred KB at most."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    row = b"\x00" + b"\xff" * ((width + 7) // 8)
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


def upload(data: bytes, name: str = UPLOADED_NAME) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def post_form(client, files: list) -> object:
    """The citizen's post form (/post/) with the given files."""
    return client.post(
        "/post/",
        {
            "region_1": "530000",
            "region_2": "530900",
            "region_3": "530923",
            "leader_id": str(Leader.objects.get(code="530923-head").id),
            "type": "suggestion",
            "domain": str(Domain.objects.get(name="交通", parent=None).id),
            "title": "建议在永德县城增设公共充电桩",
            "body": "永德县城新能源汽车越来越多，但公共充电桩很少，建议在县城主要停车场增设充电桩。",
            "contact_phone": "",
            "public": "on",
            "campaign": "",
            "files": files,
        },
    )


def stored_files(media: Path) -> list[Path]:
    return [path for path in media.rglob("*") if path.is_file()] if media.exists() else []


def download(client, attachment: Attachment, headers=None):
    response = client.get(
        f"/api/v1/messages/{attachment.message_id}/attachments/{attachment.id}", headers=headers or {}
    )
    body = b"".join(response.streaming_content) if response.status_code == 200 else response.content
    return response, body


def assert_no_metadata(data: bytes) -> Image.Image:
    assert not [secret for secret in SECRETS if secret in data]
    image = Image.open(io.BytesIO(data))
    assert not {"exif", "xmp", "XML:com.adobe.xmp", "icc_profile", "comment", "Author", "Comment"} & set(
        image.info
    )
    assert dict(image.getexif()) == {}
    return image


def test_a_photo_loses_its_metadata_and_its_name_everywhere(client, citizen, editor, media):
    client.force_login(citizen)
    response = post_form(client, [upload(jpeg_with_metadata())])
    assert response.status_code == 302, response.content.decode()[:2000]
    message = Message.objects.get(author=citizen)
    attachment = message.attachments.get()

    # On disk: upright (orientation applied, then dropped), nothing but pixels, not named after the upload.
    path = Path(attachment.file.path)
    stored = path.read_bytes()
    image = assert_no_metadata(stored)
    assert image.format == "JPEG" and image.size == (20, 40)
    top, bottom = image.getpixel((10, 5)), image.getpixel((10, 35))
    assert top[0] > 200 and top[2] < 60 and bottom[2] > 200 and bottom[0] < 60  # red turned to the top
    assert "photo" not in path.name and "张三" not in path.name and "13912345678" not in path.name
    assert attachment.size == len(stored) and attachment.content_type == "image/jpeg"
    # The uploaded name is kept nowhere.
    row = {field.attname: getattr(attachment, field.attname) for field in Attachment._meta.concrete_fields}
    assert not [value for value in row.values() if "张三" in str(value) or "13912345678" in str(value)]

    moderation.publish_message(editor, message.id)
    anonymous = type(client)()
    page = anonymous.get(f"/messages/{message.id}/").content.decode()
    assert "附件1.jpg" in page and "张三" not in page and "photo_" not in page
    detail = ApiClient().get(f"/messages/{message.id}").json()
    assert [a["name"] for a in detail["attachments"]] == ["附件1.jpg"]
    served, body = download(anonymous, attachment)
    assert served.status_code == 200 and body == stored
    assert served["Content-Type"] == "image/jpeg"
    assert served["Content-Disposition"] == "inline; filename*=utf-8''%E9%99%84%E4%BB%B61.jpg"


@pytest.mark.parametrize(
    ("data", "content_type", "label"),
    [
        (png_with_metadata(), "image/png", "附件1.png"),
        (webp_with_metadata(), "image/webp", "附件1.webp"),
    ],
)
def test_png_text_and_webp_metadata_are_dropped(citizen, data, content_type, label):
    api = ApiClient(citizen)
    message = make_message(citizen, None)
    response = api.client.post(
        f"/api/v1/messages/{message.id}/attachments",
        {"files": [upload(data, "IMG_张三.x")]},
        headers=api.headers,
    )
    assert response.status_code == 201, response.content.decode()
    assert response.json()[0]["name"] == label and response.json()[0]["content_type"] == content_type
    attachment = message.attachments.get()
    image = assert_no_metadata(Path(attachment.file.path).read_bytes())
    assert image.size == (16, 16)


def test_a_colour_profile_is_applied_then_dropped(citizen):
    """The pixels are converted from the embedded profile to sRGB before the profile goes, so an sRGB
    photo keeps its colours (and a Display P3 one is not left looking washed out)."""
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (30, 200, 90)).save(buffer, "PNG", icc_profile=srgb)
    message = make_message(citizen, None)
    (attachment,) = submission.add_attachments(citizen, message.id, [upload(buffer.getvalue(), "a.png")])
    image = Image.open(attachment.file.path)
    assert "icc_profile" not in image.info
    assert all(abs(got - want) <= 2 for got, want in zip(image.getpixel((4, 4)), (30, 200, 90), strict=True))


def test_pdf_document_information_and_xmp_are_removed(citizen):
    message = make_message(citizen, None)
    api = ApiClient(citizen)
    response = api.client.post(
        f"/api/v1/messages/{message.id}/attachments",
        {"files": [upload(pdf_with_metadata(), "张三的身份证.pdf")]},
        headers=api.headers,
    )
    assert response.status_code == 201, response.content.decode()
    assert response.json()[0]["name"] == "附件1.pdf"
    stored = Path(message.attachments.get().file.path).read_bytes()
    assert not [secret for secret in SECRETS if secret in stored]
    reader = PdfReader(io.BytesIO(stored))
    assert reader.metadata is None and "/Metadata" not in reader.root_object and len(reader.pages) == 2


def test_a_photo_inside_a_pdf_loses_its_exif_and_keeps_its_pixels(citizen):
    message = make_message(citizen, None)
    (attachment,) = submission.add_attachments(citizen, message.id, [upload(pdf_with_a_photo(), "scan.pdf")])
    stored = Path(attachment.file.path).read_bytes()
    assert not [secret for secret in SECRETS if secret in stored]
    shown = PdfReader(io.BytesIO(stored)).pages[0].images[0].image
    assert shown.size == (40, 20)
    assert (
        shown.convert("RGB").getpixel((5, 10))[0] > 200 and shown.convert("RGB").getpixel((35, 10))[2] > 200
    )


@pytest.mark.parametrize(
    ("data", "error"),
    [
        # Beyond twice Pillow's own limit: refused by Pillow from the header.
        (huge_png(30000, 30000), "像素过多"),
        # Under Pillow's limits but over ours: refused from the header, with its size.
        (huge_png(8000, 8000), "像素过多（8000×8000）"),
        (jpeg_with_metadata()[:300], "已损坏"),
        (b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> garbage", "不是有效的 PDF"),
        (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "不是 JPEG、PNG、WebP 图片或 PDF"),
    ],
    ids=["png-30000x30000", "png-8000x8000", "truncated-jpeg", "broken-pdf", "gif"],
)
def test_bombs_and_broken_files_are_refused_through_the_api(citizen, media, data, error):
    message = make_message(citizen, None)
    api = ApiClient(citizen)
    response = api.client.post(
        f"/api/v1/messages/{message.id}/attachments", {"files": [upload(data, "x.png")]}, headers=api.headers
    )
    assert response.status_code == 422, response.content.decode()
    assert response.json()["error"]["code"] == "invalid" and error in response.json()["error"]["message"]
    assert not message.attachments.exists() and stored_files(media) == []


def test_a_decompression_bomb_on_the_post_form_is_a_chinese_form_error(client, citizen):
    bomb = huge_png(30000, 30000)
    assert len(bomb) < 200_000  # 900 million pixels in a small file
    client.force_login(citizen)
    response = post_form(client, [upload(bomb, "bomb.png")])
    assert response.status_code == 422
    assert "像素过多" in response.context["form"].errors["files"][0]
    assert not Message.objects.filter(author=citizen).exists()


def unwritable_media(settings, tmp_path) -> Path:
    """A store whose directories cannot be made: MEDIA_ROOT lies under a regular file, so mkdir fails with
    ENOTDIR (chmod would not stop a test running as root)."""
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the store's directory should be")
    settings.MEDIA_ROOT = blocker / "media"
    return blocker


def test_an_unwritable_store_saves_no_message_from_the_post_form(client, citizen, settings, tmp_path):
    blocker = unwritable_media(settings, tmp_path)
    client.force_login(citizen)
    response = post_form(
        client, [upload(jpeg_with_metadata(), "a.jpg"), upload(png_with_metadata(), "b.png")]
    )
    assert response.status_code == 503
    assert "附件存储暂时不可用，本次提交没有保存" in response.content.decode()
    assert not Message.objects.filter(author=citizen).exists()
    assert not Attachment.objects.exists() and not Event.objects.filter(actor=citizen).exists()
    assert blocker.is_file()


def test_an_unwritable_store_is_a_503_in_the_api(citizen, settings, tmp_path):
    message = make_message(citizen, None)
    unwritable_media(settings, tmp_path)
    api = ApiClient(citizen)
    response = api.client.post(
        f"/api/v1/messages/{message.id}/attachments",
        {"files": [upload(png_with_metadata(), "a.png")]},
        headers=api.headers,
    )
    assert response.status_code == 503
    assert response.json() == {
        "error": {
            "code": "storage_unavailable",
            "message": "附件存储暂时不可用，本次提交没有保存，请稍后再试。",
            "fields": {"files": "附件存储暂时不可用，本次提交没有保存，请稍后再试。"},
        }
    }
    assert not message.attachments.exists()


@pytest.fixture
def file_size_limit():
    """Files this process writes may not grow beyond `limit` bytes (RLIMIT_FSIZE): a write past it fails
    with EFBIG after writing up to the limit, as a disk that fills up half-way through a file does."""
    previous_handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # else the kernel ends the process
    previous = resource.getrlimit(resource.RLIMIT_FSIZE)

    def limit(size: int) -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, previous[1]))

    yield limit
    resource.setrlimit(resource.RLIMIT_FSIZE, previous)
    signal.signal(signal.SIGXFSZ, previous_handler)


def noise_jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.frombytes("RGB", (1000, 1000), os.urandom(1000 * 1000 * 3)).save(buffer, "JPEG", quality=95)
    return buffer.getvalue()


def test_a_store_full_half_way_leaves_no_file_and_no_row(citizen, media, file_size_limit):
    """The first file is written whole, the second breaks off: both are gone afterwards."""
    message = make_message(citizen, None)
    api = ApiClient(citizen)
    small, large = upload(png_with_metadata(), "a.png"), upload(noise_jpeg(), "b.jpg")
    (media / "attachments").mkdir(parents=True)
    file_size_limit(512 * 1024)
    try:
        response = api.client.post(
            f"/api/v1/messages/{message.id}/attachments", {"files": [small, large]}, headers=api.headers
        )
    finally:
        file_size_limit(resource.RLIM_INFINITY)
    assert response.status_code == 503, response.content.decode()
    assert response.json()["error"]["code"] == "storage_unavailable"
    assert not message.attachments.exists()
    assert stored_files(media) == []


def test_numbers_continue_and_downloads_use_them(citizen):
    message = make_message(citizen, None)
    api = ApiClient(citizen)
    for name in ("张三.png", "李四.pdf"):
        data = png_with_metadata() if name.endswith(".png") else pdf_with_metadata(1)
        api.client.post(
            f"/api/v1/messages/{message.id}/attachments", {"files": [upload(data, name)]}, headers=api.headers
        )
    assert [str(a) for a in message.attachments.all()] == ["附件1.png", "附件2.pdf"]
    served, _ = download(api.client, message.attachments.last(), api.headers)
    assert served["Content-Disposition"] == "inline; filename*=utf-8''%E9%99%84%E4%BB%B62.pdf"
    assert served["Content-Type"] == "application/pdf"


def test_staff_looks_at_unpublished_attachments_are_recorded(client, citizen, editor, admin_user):
    message = make_message(citizen, None)
    api = ApiClient(citizen)
    api.client.post(
        f"/api/v1/messages/{message.id}/attachments",
        {"files": [upload(png_with_metadata(), "a.png")]},
        headers=api.headers,
    )
    attachment = message.attachments.get()

    # The author's own look is not recorded; an outsider sees nothing.
    assert download(api.client, attachment, api.headers)[0].status_code == 200
    assert download(type(client)(), attachment)[0].status_code == 404
    assert not AccessRecord.objects.exists()

    client.force_login(editor)
    assert download(client, attachment)[0].status_code == 200
    record = AccessRecord.objects.get()
    assert (record.user, record.kind, record.message_id, record.serial, record.detail) == (
        editor,
        AccessKind.ATTACHMENT,
        message.id,
        message.serial,
        "附件1.png",
    )

    # Once public, nobody's look at it is recorded.
    moderation.publish_message(editor, message.id)
    assert download(client, attachment)[0].status_code == 200
    assert download(type(client)(), attachment)[0].status_code == 200
    assert AccessRecord.objects.count() == 1


def test_a_file_missing_from_the_store_is_a_503_not_a_500(citizen, editor):
    message = make_message(citizen, None)
    api = ApiClient(citizen)
    api.client.post(
        f"/api/v1/messages/{message.id}/attachments",
        {"files": [upload(png_with_metadata(), "a.png")]},
        headers=api.headers,
    )
    attachment = message.attachments.get()
    Path(attachment.file.path).unlink()
    response, _ = download(api.client, attachment, api.headers)
    assert response.status_code == 503 and response.json()["error"]["code"] == "storage_unavailable"
