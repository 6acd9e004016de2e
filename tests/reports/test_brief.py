"""The daily brief (每日留言简报): its figures on a small day made through the real actions, the command's
HTML and PDF, the archive pages, subscriptions and the e-mail sent once, and masked personal data."""

import os
import shutil
import subprocess
from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from liuyan.board.actions import feedback, oversight
from liuyan.board.choices import MessageState
from liuyan.board.models import Message
from liuyan.reports.brief import UNSETTLED_MAX_AGE, build_brief, cached_brief_pdf
from liuyan.reports.counts import rebuild_counts
from liuyan.reports.models import BriefSubscription
from liuyan.reports.subscriptions import send_daily_briefs
from tests.conftest import PASSWORD
from tests.factories import make_message

pytestmark = pytest.mark.django_db

PHONE = "13912345678"
MASKED = "139****5678"


@pytest.fixture
def day_of_data(citizen, admin_user, settings, tmp_path):
    """Today: a public message replied and rated 5/5/4, a public overdue one supervised and instructed on,
    a private one only published. Yesterday: one message submitted."""
    settings.VAR_DIR = tmp_path
    fast = make_message(citizen, admin_user, MessageState.REPLIED, title=f"路灯不亮 {PHONE}")
    feedback.rate_message(citizen, fast.id, resolution=5, attitude=5, speed=4)
    late = make_message(citizen, admin_user, MessageState.IN_PROGRESS, title="小区噪音扰民多次反映")
    Message.objects.filter(pk=late.pk).update(reply_deadline=timezone.now() - timedelta(days=2))
    oversight.supervise_message(admin_user, late.id, "请抓紧办理")
    oversight.instruct_message(admin_user, late.id, f"请教育局核实，联系电话 {PHONE}，限期答复。")
    hidden = make_message(
        citizen, admin_user, MessageState.PUBLISHED, title="不公开的家庭纠纷求助", public=False
    )
    before = make_message(citizen, admin_user, title="昨天提交的一条留言")
    yesterday = timezone.now() - timedelta(days=1)
    Message.objects.filter(pk=before.pk).update(created_at=yesterday)
    rebuild_counts(timezone.localdate() - timedelta(days=1), timezone.localdate())
    return {"fast": fast, "late": late, "hidden": hidden, "day": timezone.localdate()}


def test_build_brief_figures(day_of_data):
    brief = build_brief(day_of_data["day"])
    totals = {total.label: total for total in brief.totals}
    assert (totals["留言量"].value, totals["留言量"].previous, totals["留言量"].delta) == ("3", "1", "+2")
    assert totals["留言量"].arrow == "↑"
    assert totals["刊发"].value == "3" and totals["回复"].value == "1" and totals["办结"].value == "1"
    assert totals["满意率"].value == "100.0%" and totals["满意率"].delta == "—"
    assert brief.scope_title == "全国"
    assert brief.by_region == [("云南省", 3)]
    assert sum(count for _name, count in brief.by_type) == 3
    fast, late = day_of_data["fast"], day_of_data["late"]
    assert [case.id for case in brief.fast_cases] == [fast.id]
    assert brief.fast_cases[0].hours is not None and brief.fast_cases[0].hours < 1
    assert [(case.id, case.rating) for case in brief.well_rated] == [(fast.id, 4.7)]
    assert brief.overdue_count == 1 and brief.overdue[0].id == late.id
    assert brief.overdue[0].note.startswith("超期")
    assert brief.supervised_count == 1 and brief.supervised[0].id == late.id
    assert len(brief.instructions) == 1 and MASKED in brief.instructions[0].excerpt
    # Private messages are counted, never listed; phone numbers are masked everywhere.
    listed = [case.title for case in brief.fast_cases + brief.overdue + brief.supervised]
    assert not any("家庭纠纷" in title for title in listed)
    assert brief.fast_cases[0].title == f"路灯不亮 {MASKED}"


def test_brief_of_a_region_and_the_day_before(day_of_data):
    region = build_brief(day_of_data["day"], region="530900")
    assert region.scope_title == "临沧市" and region.by_region == [("永德县", 3)]
    assert build_brief(day_of_data["day"], region="110000").overdue_count == 0
    earlier = build_brief(day_of_data["day"] - timedelta(days=1))
    assert earlier.totals[0].value == "1" and earlier.fast_cases == [] and earlier.instructions == []


@pytest.mark.slow
def test_command_writes_html_and_pdf(day_of_data, tmp_path):
    day = day_of_data["day"].isoformat()
    out = StringIO()
    html = tmp_path / "brief.html"
    call_command("daily_brief", date=day, format="html", out=str(html), stdout=out)
    text = html.read_text(encoding="utf-8")
    assert "每日留言简报" in text and f"路灯不亮 {MASKED}" in text and PHONE not in text
    assert "<svg" in text and "<style>" in text  # charts inline, the stylesheet with it

    pdf = tmp_path / "brief.pdf"
    call_command("daily_brief", date=day, format="pdf", out=str(pdf), stdout=out)
    assert pdf.read_bytes().startswith(b"%PDF")
    assert str(pdf) in out.getvalue() and "秒" in out.getvalue()  # the path and the seconds taken
    if shutil.which("pdftotext"):
        extracted = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
        assert "每日留言简报" in extracted
        assert MASKED in extracted and PHONE not in extracted
        assert "+2" in extracted and "100.0%" in extracted
        assert "共2页" in extracted.replace(" ", "")  # the page numbers in the footer


def test_command_errors(db, tmp_path):
    with pytest.raises(CommandError, match="日期格式"):
        call_command("daily_brief", date="2026-02-30", out=str(tmp_path / "x.pdf"))
    with pytest.raises(CommandError, match="没有这个行政区划"):
        call_command("daily_brief", region="999999", out=str(tmp_path / "x.pdf"))
    with pytest.raises(CommandError, match="没有这个专栏"):
        call_command("daily_brief", campaign="no-such", out=str(tmp_path / "x.pdf"))


def test_archive_pages(client, day_of_data):
    day = day_of_data["day"]
    archive = client.get("/briefs/")
    assert archive.status_code == 200
    assert f"/briefs/{(day - timedelta(days=1)).isoformat()}/" in archive.content.decode()
    page = client.get(f"/briefs/{day.isoformat()}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert f"路灯不亮 {MASKED}" in body and PHONE not in body and "家庭纠纷" not in body
    assert "<style>" not in body  # the CSP forbids inline styles: the stylesheet is linked
    assert client.get(f"/briefs/{day.isoformat()}/?region=530900").status_code == 200
    assert client.get("/briefs/2026-02-30/").status_code == 404
    assert client.get("/briefs/yesterday/").status_code == 404
    assert client.get(f"/briefs/{(day + timedelta(days=1)).isoformat()}/").status_code == 404
    assert client.get("/briefs/?region=999999").status_code == 404
    pdf = client.get(f"/briefs/{day.isoformat()}.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    assert client.get("/briefs/2026-13-01.pdf").status_code == 404


def test_subscription_and_email_sent_once(client, editor, citizen, day_of_data):
    client.login(username="citizen", password=PASSWORD)
    assert client.post("/briefs/subscription/", {"region": "530900"}).status_code == 403
    assert not BriefSubscription.objects.exists()

    editor.email = "editor@example.org"
    editor.save()
    client.login(username="editor", password=PASSWORD)  # the password alone: staff need the second factor
    assert client.post("/briefs/subscription/", {"region": "530900"})["Location"].startswith(
        "/accounts/two-factor/"
    )
    assert not BriefSubscription.objects.exists()
    client.force_login(editor)  # passes the second factor too (tests/conftest.py)
    response = client.post("/briefs/subscription/", {"region": "530900"})
    assert response.status_code == 302
    client.post("/briefs/subscription/", {"region": "530900"})  # twice: still one
    subscription = BriefSubscription.objects.get()
    assert (subscription.user, subscription.region_id, subscription.active) == (editor, "530900", True)
    assert "订阅" in client.get("/briefs/?region=530900").content.decode()

    day = day_of_data["day"]
    assert send_daily_briefs(day) == 1
    assert send_daily_briefs(day) == 0  # idempotent per (day, user)
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["editor@example.org"] and "临沧市" in sent.subject
    name, content, kind = sent.attachments[0]
    assert kind == "application/pdf" and content.startswith(b"%PDF") and name.endswith(".pdf")
    assert "留言量" in sent.body and PHONE not in sent.body
    subscription.refresh_from_db()
    assert subscription.last_sent_for == day

    client.post("/briefs/subscription/", {"region": "530900", "action": "unsubscribe"})
    subscription.refresh_from_db()
    assert not subscription.active
    assert send_daily_briefs(day + timedelta(days=1)) == 0


@pytest.mark.slow
def test_todays_pdf_is_rendered_again_only_when_ten_minutes_old_or_forced(client, admin_user, day_of_data):
    day = day_of_data["day"]
    first = cached_brief_pdf(day)
    written = first.stat().st_mtime_ns
    assert cached_brief_pdf(day).stat().st_mtime_ns == written  # anyone's second request: the same file
    response = client.get(f"/briefs/{day.isoformat()}.pdf?force=1")
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert first.stat().st_mtime_ns == written  # force is for staff only

    client.force_login(admin_user)
    client.get(f"/briefs/{day.isoformat()}.pdf?force=1")
    assert first.stat().st_mtime_ns > written
    stale = (timezone.now() - UNSETTLED_MAX_AGE - timedelta(minutes=1)).timestamp()
    os.utime(first, (stale, stale))
    assert cached_brief_pdf(day).stat().st_mtime > stale + 60
    assert not list(first.parent.glob("*.part"))


def test_overdue_at_the_days_end_counts_those_replied_only_later(day_of_data):
    """Overdue at the end of a past day: still unreplied, or replied only after that day — most overdue first;
    a message replied within the day is not."""
    fast, late = day_of_data["fast"], day_of_data["late"]
    day = day_of_data["day"] - timedelta(days=1)
    end = timezone.now() - timedelta(days=1)
    Message.objects.filter(pk=late.pk).update(published_at=end - timedelta(days=9))
    Message.objects.filter(pk=fast.pk).update(
        published_at=end - timedelta(days=9), reply_deadline=end - timedelta(days=3)
    )
    brief = build_brief(day)
    assert brief.overdue_count == 2
    assert [case.id for case in brief.overdue] == [fast.id, late.id]  # its deadline passed two days sooner
    Message.objects.filter(pk=fast.pk).update(replied_at=end - timedelta(days=2))
    assert build_brief(day).overdue_count == 1
