"""A scratch deployment for the desk's benches (bench/desk_queues.py, bench/bulk.py): a PostgreSQL database
of their own (or SQLite), migrated, seeded with the directory and, when the shared data is there, with the
domain classifier trained as a deployment would have it; and what 临沧市's citizens write about."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
LIUYAN = Path(sys.executable).parent / "liuyan"
DATA = Path(os.environ.get("LIUYAN_SHARED_DATA", ROOT.parent / "shared" / "data"))
TRAINING = DATA / "taidi2020" / "train_domains.csv"

# (domain, title, body): one row per level-1 domain of the catalogue.
TOPICS = [
    (
        "教育",
        "学校门口上下学交通拥堵",
        "每天上学放学时段学校门口严重拥堵，存在安全隐患，请教育部门和交警协调疏导。",
    ),
    (
        "交通",
        "乡村公路破损严重",
        "村里通往镇上的公路坑洼很多，雨天积水，车辆通行困难，希望交通部门尽快修复。",
    ),
    (
        "医疗",
        "乡镇卫生院缺少医生",
        "镇卫生院长期只有两名医生，看病排队时间很长，希望卫生健康部门增派医务人员。",
    ),
    (
        "环保",
        "工厂夜间排放刺鼻气味",
        "小区附近的工厂经常在夜间排放刺鼻气体，居民无法开窗，请生态环境部门调查处理。",
    ),
    (
        "城建",
        "老旧小区雨污管道堵塞",
        "小区雨污管道年久失修，一下雨就污水倒灌，希望住房和城乡建设部门尽快改造。",
    ),
    (
        "就业",
        "农民工工资被拖欠",
        "我们在工地干了半年，包工头一直拖欠工资，请人力资源和社会保障部门帮助追讨。",
    ),
    ("三农", "烤烟收购价格偏低", "今年烤烟收购定级压价，烟农收入明显下降，希望农业农村部门了解情况并协调。"),
    ("治安", "夜市周边经常有人打架", "夜市周边深夜经常有人酗酒打架，居民不敢出门，希望公安部门加强巡逻。"),
]


def run(env: dict, *args: str) -> None:
    subprocess.run([str(LIUYAN), *args], env=env, check=True, stdout=subprocess.DEVNULL)


def admin_url(url: str) -> tuple[str, str]:
    """The URL of the server's `postgres` database, and the name of the one in `url`."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/postgres", query="")), parts.path.lstrip("/")


def create_database(url: str, prefix: str) -> None:
    """Create the database of `url`, whose name must start with `prefix` and must not exist yet."""
    import psycopg  # only with PostgreSQL: the benches run on SQLite without it

    server, name = admin_url(url)
    if not name.startswith(prefix):
        sys.exit(f"refusing to create and drop {name!r}: the bench's database names start with {prefix}")
    with psycopg.connect(server, autocommit=True) as connection:
        if connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            sys.exit(f"database {name} exists already: drop it or choose another --database-url")
        connection.execute(f'CREATE DATABASE "{name}"')


def drop_database(url: str, prefix: str) -> None:
    import psycopg  # only with PostgreSQL

    server, name = admin_url(url)
    if not name.startswith(prefix):
        return
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def build(env: dict, classifier: bool) -> None:
    steps = [("migrate", ["migrate", "--noinput"]), ("seed_directory", ["seed_directory"])]
    if classifier and TRAINING.exists():
        steps.append(
            ("train_classifier (domain)", ["train_classifier", "--kind", "domain", "--file", str(TRAINING)])
        )
    for label, command in steps:
        started = time.perf_counter()
        run(env, *command)
        print(f"  {label}: {time.perf_counter() - started:.1f} s", flush=True)
