"""Server time and queries of the directory's pages with the 2025 table down to townships (~42,000 places):
region pages of every level, leader pages of a county and a township, the post form's cascade (the form at a
township, a level step, the place search and its pick, the API the script calls) and the coverage figures.

    .venv/bin/python bench/directory_pages.py --database-url postgres://…/liuyan_townships [--messages 400]
        [--repeat 5]

The database must hold the seeded directory (`liuyan migrate` and `liuyan seed_directory`). Until it holds
--messages messages, messages are written through the actions to leaders of 永德县's townships, of 永德县,
临沧市 and 云南省 (a third of them answered), so that the pages have figures and rows to show. Each page is
requested with every cache cleared before each request but the coverage figures the periodic task keeps
("uncached": what a visitor meets when the page and its figures are not cached) and then warm: the median
of --repeat requests, its queries, and whether it is within TARGET_MS and the query count the page had
before townships (LIMITS, from bench/RESULTS.md and the tests). Computing the coverage is timed apart.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from public_pages import request  # noqa: E402

TARGET_MS = 100
# Queries each page made before the directory went down to townships (bench/RESULTS.md's 1M table: home 12,
# region 7, leader 9, API leaders 2; API regions 2 with a parent, which is looked up first; the post form's
# test allows 30).
LIMITS = {"home": 12, "region": 7, "leader": 9, "post": 30, "api leaders": 2, "api regions": 2}
# New with townships: the place search (two queries) and the coverage figures (read from the copy the periodic
# task keeps; computing them is timed apart).
NEW_LIMITS = {"api search": 2, "coverage": 0, "api coverage": 0}
TOWNSHIP = "530923100"  # 德党镇, 永德县


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url", default="postgres://postgres:postgres@127.0.0.1:5432/liuyan_townships"
    )
    parser.add_argument("--messages", type=int, default=400, help="messages written if the database has none")
    parser.add_argument("--repeat", type=int, default=5)
    return parser.parse_args()


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("LIUYAN_VAR_DIR", tempfile.mkdtemp(prefix="liuyan-bench-directory-"))
    os.environ["DEBUG"] = "false"
    os.environ["LIUYAN_PAGE_CACHE"] = "false"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liuyan.settings")
    import django

    django.setup()


def fill(count: int) -> None:
    """`count` messages to leaders from 云南省 down to 永德县's townships, a third of them answered."""
    from liuyan.accounts.actions import save_user_with_role
    from liuyan.accounts.choices import Role
    from liuyan.accounts.models import User
    from liuyan.board.actions import dispatch, handling, moderation, replies, submission
    from liuyan.directory.choices import UnitKind
    from liuyan.directory.models import Leader, Unit

    admin = User.objects.filter(username="bench-directory-admin").first() or User.objects.create_superuser(
        "bench-directory-admin", password="Bench-dir-2026"
    )
    citizen = save_user_with_role(
        username="bench-directory-citizen", password="Bench-dir-2026", role=Role.CITIZEN
    )[0]
    leaders = list(
        Leader.objects.filter(region__path__startswith="530000/530900/530923/", active=True).select_related(
            "region"
        )
    ) + list(Leader.objects.filter(region_id__in=["530900", "530000"], active=True).select_related("region"))
    governments = {
        u.region_id: u
        for u in Unit.objects.filter(kind=UnitKind.GOVERNMENT, region__path__startswith="530000/")
    }
    for i in range(count):
        leader = leaders[i % len(leaders)]
        message = submission.submit_message(
            citizen,
            leader_id=leader.id,
            message_type="complaint",
            domain="城建",
            title=f"{leader.region.name}第{i}号路段路灯不亮",
            body=f"{leader.region.name}第{i}号路段的路灯已经坏了两个多月，晚上出行很不安全，希望尽快维修。",
            region_code=leader.region_id,
        )
        moderation.publish_message(admin, message.id)
        if i % 3 == 0 and (unit := governments.get(leader.region_id)):
            dispatch.assign_message(admin, message.id, unit.id)
            handling.accept_message(admin, message.id)
            replies.submit_reply(admin, message.id, "已安排维修，本周内修复。")
            replies.approve_reply(admin, message.replies.order_by("-id").first().id)
        if (i + 1) % 100 == 0:
            print(f"  {i + 1} messages written", flush=True)


def measure(client, label: str, url: str, limit: int, repeat: int, method: str = "get", data=None) -> bool:
    from django.core.cache import cache

    from liuyan.reports.coverage import CACHE_KEY, coverage

    def once():
        if method == "post":
            return post(client, url, data)
        return request(client, url)

    results = {}
    for way in ("uncached", "warm"):
        runs = []
        for _ in range(repeat):
            if way == "uncached":
                kept = coverage()
                cache.clear()
                cache.set(CACHE_KEY, kept)  # as the periodic task keeps it
            runs.append(once())
        median = sorted(runs, key=lambda run: run[0])[len(runs) // 2]
        results[way] = (
            statistics.median(run[0] for run in runs),
            len(median[1].statements),
            median[1].sql_ms,
            statistics.median(run[2] for run in runs),
        )
    ms, queries, sql, cpu = results["uncached"]
    ok = ms <= TARGET_MS and queries <= limit
    print(
        f"{'ok  ' if ok else 'OVER'} {label:<34} uncached {ms:6.1f} ms {queries:3d} queries "
        f"(limit {limit}, SQL {sql:5.1f} ms, CPU {cpu:5.1f} ms) · warm {results['warm'][0]:6.1f} ms "
        f"{results['warm'][1]:3d} queries",
        flush=True,
    )
    return ok


def post(client, url: str, data: dict):
    from django.db import connection
    from public_pages import Recorder

    recorder = Recorder()
    with connection.execute_wrapper(recorder):
        started, cpu = time.perf_counter(), time.process_time()
        response = client.post(url, data)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    if response.status_code != 200:
        raise SystemExit(f"POST {url} answered {response.status_code}")
    return elapsed * 1000, recorder, cpu * 1000


def main() -> None:
    args = parse_args()
    setup_django(args.database_url)
    from django.test import Client
    from django.utils import timezone

    from liuyan.accounts.models import User
    from liuyan.board.models import Message
    from liuyan.directory.models import Domain, Leader, Region
    from liuyan.reports.coverage import compute

    if not Region.objects.filter(pk=TOWNSHIP).exists():
        raise SystemExit("seed the directory first: liuyan migrate && liuyan seed_directory")
    if (missing := args.messages - Message.objects.count()) > 0:
        print(f"writing {missing} messages …", flush=True)
        fill(missing)
    print(
        f"{Region.objects.count():,} regions, {Leader.objects.count():,} leaders, "
        f"{Message.objects.count():,} messages in {args.database_url.rsplit('/', 1)[1]}",
        flush=True,
    )
    county_head = Leader.objects.filter(region_id="530923", active=True).order_by("order").first()
    township_head = Leader.objects.filter(region_id=TOWNSHIP, active=True).order_by("order").last()
    client = Client(HTTP_HOST="127.0.0.1")
    pages = [
        ("home", "/", LIMITS["home"]),
        ("region: province 云南省", "/regions/530000/", LIMITS["region"]),
        ("region: prefecture 临沧市", "/regions/530900/", LIMITS["region"]),
        ("region: county 永德县", "/regions/530923/", LIMITS["region"]),
        ("region: township 德党镇", f"/regions/{TOWNSHIP}/", LIMITS["region"]),
        ("region: street office 水部街道", "/regions/350102008/", LIMITS["region"]),
        ("leader: 永德县", f"/leaders/{county_head.pk}/", LIMITS["leader"]),
        ("leader: 德党镇", f"/leaders/{township_head.pk}/", LIMITS["leader"]),
        ("api regions ?parent=永德县", "/api/v1/regions?parent=530923", LIMITS["api regions"]),
        ("api leaders ?region=德党镇", f"/api/v1/leaders?region={TOWNSHIP}", LIMITS["api leaders"]),
        ("api search 水部", "/api/v1/regions/search?q=%E6%B0%B4%E9%83%A8", NEW_LIMITS["api search"]),
        (
            "api search 城关镇 (hundreds)",
            "/api/v1/regions/search?q=%E5%9F%8E%E5%85%B3%E9%95%87",
            NEW_LIMITS["api search"],
        ),
        ("coverage page", "/stats/coverage/", NEW_LIMITS["coverage"]),
        ("api coverage", "/api/v1/stats/coverage", NEW_LIMITS["api coverage"]),
    ]
    ok = all([measure(client, label, url, limit, args.repeat) for label, url, limit in pages])
    timed = []
    for _ in range(3):
        started = time.perf_counter()
        compute(timezone.localdate())
        timed.append((time.perf_counter() - started) * 1000)
    median = statistics.median(timed)
    print(f"     coverage computed (the periodic task's work): median {median:.0f} ms", flush=True)
    citizen = (
        User.objects.filter(username="bench-directory-citizen").first()
        or User.objects.filter(is_staff=False).first()
    )
    client.force_login(citizen)
    domain = Domain.objects.get(name="城建", parent=None).pk
    form = {
        "region_1": "530000",
        "region_2": "530900",
        "region_3": "530923",
        "region_4": TOWNSHIP,
        "type": "complaint",
        "domain": str(domain),
        "title": "",
        "body": "",
        "public": "on",
        "campaign": "",
    }
    ok &= measure(client, "post form at 德党镇", f"/post/?region={TOWNSHIP}", LIMITS["post"], args.repeat)
    ok &= measure(
        client,
        "post form: township step",
        "/post/",
        LIMITS["post"],
        args.repeat,
        "post",
        {**form, "step": "place"},
    )
    ok &= measure(
        client,
        "post form: find 水部",
        "/post/",
        LIMITS["post"],
        args.repeat,
        "post",
        {**form, "place_q": "水部", "step": "find"},
    )
    ok &= measure(
        client,
        "post form: pick 水部街道",
        "/post/",
        LIMITS["post"],
        args.repeat,
        "post",
        {**form, "pick_place": "350102008"},
    )
    print("all within target" if ok else "some pages over their target")


if __name__ == "__main__":
    main()
