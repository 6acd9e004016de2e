"""Benchmark hot topics over taidi2020/hot_messages.csv (4,289 messages): elapsed seconds, the top 10
topics with their phrase and keywords, and two cross-checks: how many of each topic's messages mention
its first keyword (the compound / road / case name when there is one), and how many of its members'
titles share a word of the phrase's subject (the topic's subject terms that the phrase contains).

    .venv/bin/python bench/hot_topics.py [--top 10]

No database: reads the file, runs `find_hot_topics` in this process on one core.
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
# Settings for the importer's timestamp parser (no database is used).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liuyan.settings")
DATA = Path(os.environ.get("LIUYAN_SHARED_DATA", ROOT.parent / "shared" / "data")) / "taidi2020"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=10)
    args = parser.parse_args()
    import django
    import jieba

    django.setup()

    jieba.setLogLevel(60)
    jieba.initialize()
    from liuyan.intelligence.clustering import find_hot_topics, read_message_file

    started, cpu = time.perf_counter(), time.process_time()
    items = read_message_file(DATA / "hot_messages.csv")
    read = time.perf_counter() - started
    topics = find_hot_topics(items, top=args.top)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(
        f"{len(items)} messages: read {read:.1f} s, total {elapsed:.1f} s wall, {cpu:.1f} s CPU"
        " (target ≤ 20 s)"
    )
    by_id = {item.id: item for item in items}
    for rank, topic in enumerate(topics, start=1):
        regions = ", ".join(f"{name}×{count}" for name, count in topic.regions[:3])
        print(
            f"\n{rank}. 「{topic.phrase}」 {topic.message_count} msgs / {topic.author_count} authors, "
            f"support {topic.support_total}, growth {topic.growth:+.2f}, score {topic.score:.1f}"
        )
        print(f"   keywords: {' · '.join(topic.keywords)}")
        print(f"   {topic.first_at:%Y-%m-%d} – {topic.last_at:%Y-%m-%d}; regions {regions}")
        for item in topic.representatives[:2]:
            print(f"   · {item.title}")
        # The topic's most distinctive word (its first keyword), looked for in each member's own text.
        keyword = topic.keywords[0]
        sharing = sum(1 for mid in topic.message_ids if keyword in by_id[mid].title + by_id[mid].body)
        print(f"   cross-check: {sharing}/{topic.message_count} messages mention “{keyword}”")
        named = [word for word in topic.keywords if word in topic.phrase]
        titled = sum(1 for mid in topic.message_ids if any(word in by_id[mid].title for word in named))
        print(
            f"   phrase names {'、'.join(named) or 'no keyword'}; "
            f"{titled}/{topic.message_count} titles carry one of them"
        )


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liuyan.settings")
    main()
