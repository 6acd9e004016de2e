"""The demo's cases played through the board's actions: each message is written by a citizen from the
texts, published, assigned, handled, answered and rated as its plan says, and every action call is
recorded as a *step* of its *case* (the message, or the few messages whose story is told together: a
merge, a joint reply) with the wall-clock interval it ran in, for the history to lay out (demo.history)."""

import bisect
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from liuyan.accounts.choices import Permission
from liuyan.accounts.models import User
from liuyan.accounts.scope import can
from liuyan.board.actions.campaigns import create_campaign
from liuyan.board.actions.dispatch import assign_message, merge_messages, return_message, transfer_message
from liuyan.board.actions.feedback import follow_up_message, rate_message
from liuyan.board.actions.handling import accept_message, decide_extension, request_extension
from liuyan.board.actions.moderation import hide_message, publish_message, reject_message
from liuyan.board.actions.oversight import close_unrated, instruct_message, remind_message, supervise_message
from liuyan.board.actions.replies import approve_reply, send_back_reply, submit_reply
from liuyan.board.actions.revisits import reopen_message
from liuyan.board.actions.submission import submit_message, support_message, withdraw_message
from liuyan.board.choices import CampaignState, ExtensionState, MessageState
from liuyan.board.models import Campaign, Message
from liuyan.demo import texts
from liuyan.demo.accounts import Cast
from liuyan.demo.places import LINCANG, YUNNAN, Places
from liuyan.demo.plans import Plan, weighted
from liuyan.directory.choices import RegionLevel
from liuyan.directory.models import Leader, Unit

AREA_CODES = ["0871", "0883", "010", "020", "0731", "028"]
DOMAIN_WEIGHTS = {
    "城建": 15,
    "交通": 10,
    "环保": 8,
    "教育": 12,
    "医疗": 9,
    "三农": 10,
    "就业": 8,
    "企业": 6,
    "治安": 7,
    "政务": 6,
    "金融": 3,
    "旅游": 3,
    "其他": 3,
}


@dataclass
class Step:
    """One action call: its kind and the wall-clock interval it ran in."""

    kind: str
    started: datetime
    ended: datetime


@dataclass
class Case:
    """One or a few messages whose story is told together, and the steps of that story."""

    plan: Plan
    message_ids: list[int] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    urgent: bool = False
    window: tuple[datetime, datetime] | None = None  # when its first message may have been submitted
    sim_starts: list[datetime] = field(default_factory=list)  # each step's place in the laid-out history

    @property
    def primary_id(self) -> int:
        return self.message_ids[0]

    def moved(self, at: datetime, sim_starts: list[datetime] | None = None) -> datetime:
        """Where a timestamp written during one of the case's steps lands in the laid-out history (with
        `sim_starts`, had the steps started then)."""
        index = bisect.bisect_right([step.started for step in self.steps], at) - 1
        if index < 0 or at > self.steps[index].ended:
            raise RuntimeError(f"{at} was written outside the steps of its case")
        return (sim_starts or self.sim_starts)[index] + (at - self.steps[index].started)


class CaseWriter:
    """Plays the plans through the actions, one case at a time, and keeps the cases it recorded."""

    def __init__(self, places: Places, cast: Cast, rng: random.Random):
        self.places = places
        self.cast = cast
        self.rng = rng
        self.cases: list[Case] = []
        self._case: Case | None = None
        self._last_end = timezone.now()
        self.details: dict[int, dict[str, str]] = {}  # message id → the details its texts were filled with
        self.topics: dict[int, texts.Topic] = {}  # message id → what it is about

    # ---------------------------------------------------------------------------------------- campaigns

    def create_campaigns(self) -> None:
        now = timezone.now()
        windows = {
            "suggestions": (now - timedelta(days=30), now + timedelta(days=30)),
            "relief": (now - timedelta(days=75), now + timedelta(days=15)),
            # Open around now so that submit_message takes its messages; moved back with them afterwards.
            "business": (now - timedelta(hours=1), now + timedelta(days=1)),
        }
        options = {
            "suggestions": {"type_codes": ["suggestion"]},
            "relief": {"type_codes": ["help"], "region_codes": [YUNNAN], "urgent_hours": 24},
            "business": {"type_codes": ["suggestion", "complaint"]},
        }
        self.campaigns: dict[str, Campaign] = {}
        for key, text in texts.CAMPAIGNS.items():
            opens_at, closes_at = windows[key]
            self.campaigns[key] = create_campaign(
                self.cast.editor,
                title=text["title"],
                slug=text["slug"],
                description=text["description"],
                opens_at=opens_at,
                closes_at=closes_at,
                state=CampaignState.OPEN,
                **options[key],
            )
        # When each campaign's messages may have been submitted in the laid-out history.
        self.campaign_windows = {
            "suggestions": windows["suggestions"],
            "relief": windows["relief"],
            "business": (now - timedelta(days=170), now - timedelta(days=110)),
        }

    def _support_count(self) -> int:
        roll = self.rng.random()
        if roll < 0.7:
            return 0
        if roll < 0.94:
            return self.rng.randint(1, 3)
        if roll < 0.99:
            return self.rng.randint(4, 10)
        return self.rng.randint(12, 25)

    # ---------------------------------------------------------------------------------------- recording

    @contextmanager
    def _step(self, kind: str, cases: list[Case] | None = None) -> Iterator[None]:
        """Record the wall-clock interval of one action call as a step of the current case (or of `cases`)."""
        started = timezone.now()
        while started <= self._last_end:  # intervals never touch, so every timestamp belongs to one step
            started = timezone.now()
        yield
        self._last_end = ended = timezone.now()
        for case in cases or [self._case]:
            case.steps.append(Step(kind, started, ended))

    def _act(self, kind: str, action: Callable, *args, **kwargs):
        with self._step(kind):
            return action(*args, **kwargs)

    def close_unrated(self, cases: list[Case]) -> None:
        # Judged as if the rating window of everything replied so far had passed: exactly these close.
        later = timezone.now() + timedelta(days=settings.LIUYAN_RATING_WINDOW_DAYS, hours=1)
        with self._step("auto_close", cases):
            closed = close_unrated(later)
        if closed != sum(len(case.message_ids) for case in cases):
            raise RuntimeError(f"the periodic check closed {closed} messages, not only the demo's own")

    # -------------------------------------------------------------------------------------------- cases

    def run(self, plan: Plan) -> None:
        self._case = case = Case(plan, urgent=plan.urgent)
        self.cases.append(case)
        if plan.campaign:
            case.window = self.campaign_windows[plan.campaign]
            case.urgent = bool(self.campaigns[plan.campaign].urgent_hours)
        if plan.kind == "joint":
            self._run_joint(plan)
        elif plan.kind == "merge":
            self._run_merge(plan)
        else:
            self._run_single(plan)

    def _run_single(self, plan: Plan) -> None:
        S, rng = MessageState, self.rng
        message = self._submit(plan, self._compose(plan))
        author = self._author(message)
        if plan.target == S.PENDING_REVIEW:
            return
        if plan.target == S.WITHDRAWN:
            self._act("withdraw", withdraw_message, author, message.id)
            return
        if plan.target == S.REJECTED:
            self._act(
                "reject", reject_message, self.cast.editor, message.id, rng.choice(texts.REJECT_REASONS)
            )
            return
        message = self._publish(plan, message)
        unit = self._handling_unit(plan, message)
        # A message only its place's government can hold (a township's) is neither returned nor transferred.
        wrong = self.places.other_unit(unit, message) if plan.returned else None
        if wrong is not None:
            if not can(self.cast.dispatcher_for(message), Permission.ASSIGN, wrong):
                wrong = self.places.units[f"{message.region_id}-government"]
            self._assign(plan, message, wrong)
            reason = rng.choice(texts.RETURN_REASONS)
            self._act("return", return_message, self.cast.staff_for(wrong), message.id, reason)
        if plan.target == S.PUBLISHED:
            return
        self._assign(plan, message, unit)
        other = self.places.other_unit(unit, message) if plan.transfer else None
        if other is not None:
            note = rng.choice(texts.TRANSFER_NOTES).format(unit=other.name)
            self._act("transfer", transfer_message, self.cast.staff_for(unit), message.id, other.id, note)
            unit = other
        handler = self.cast.staff_for(unit)
        self.details[message.id]["unit"] = unit.name
        if plan.supplement:
            body = rng.choice(texts.SUPPLEMENTARY_FOLLOW_UPS)
            self._act("follow_up", follow_up_message, author, message.id, body)
        if plan.target == S.ASSIGNED:
            if plan.remind:
                self._remind(message)
            return
        self._act("accept", accept_message, handler, message.id)
        self._oversee(plan, message)
        if plan.extension:
            self._extension(plan, message, handler)
        if plan.target == S.IN_PROGRESS and not plan.reopen:
            if plan.sent_back:
                self._sent_back_reply(message, handler)
            return
        self._reply(plan, message, handler)
        if plan.target == S.REPLY_REVIEW:
            return
        if plan.target == S.REPLIED:
            if plan.bad_rating:
                self._rate(message, good=False)
            return
        if plan.reopen:
            if plan.reopen == "unsatisfied":
                self._rate(message, good=False)
                body, new_question = rng.choice(texts.UNSATISFIED_FOLLOW_UPS), False
            else:
                body, new_question = rng.choice(texts.NEW_QUESTION_FOLLOW_UPS), True
            self._act("follow_up", follow_up_message, author, message.id, body, new_question)
            if plan.target == S.IN_PROGRESS:
                if not new_question:  # an unhappy citizen's 追问 waits for an answer: the desk reopens it
                    reason = "群众对办理结果不满意，请重新办理并答复。"
                    self._act("reopen", reopen_message, self.cast.dispatcher_for(message), message.id, reason)
                return
            self._reply(plan, message, handler, second=True)
        if not plan.auto_close:
            self._rate(message, good=True)

    def _run_merge(self, plan: Plan) -> None:
        """Duplicates of one issue: the first is assigned, later ones are merged into it and follow it."""
        first = self._compose(plan)
        primary = self._publish(plan, self._submit(plan, first))
        unit = self._handling_unit(plan, primary)
        self._assign(plan, primary, unit)
        handler = self.cast.staff_for(unit)
        self.details[primary.id]["unit"] = unit.name
        duplicates = []
        for _ in range(plan.duplicates):
            again = self._compose(plan, region=first["region"], leader=first["leader"], base=first)
            duplicate = self._submit(plan, again)
            self._act("publish", publish_message, self.cast.editor, duplicate.id)
            merger = self.cast.editor if self.rng.random() < 0.3 else self.cast.dispatcher_for(primary)
            self._act("merge", merge_messages, merger, duplicate.id, primary.id)
            duplicates.append(duplicate)
        self._act("accept", accept_message, handler, primary.id)
        if plan.target == MessageState.IN_PROGRESS:
            return
        self._reply(plan, primary, handler)
        for message in [primary, *duplicates]:
            self._rate(message, good=True)

    def _run_joint(self, plan: Plan) -> None:
        """Several citizens, one issue, one unit: a joint reply (公开回复) answers them all."""
        rng = self.rng
        topic = texts.JOINT_CASES[plan.joint]
        if plan.joint == "delivery-delay":
            unit = self.places.units[f"{LINCANG}-housing"]
            leaders = [
                self.places.leader_by_code[f"{LINCANG}-{role}"]
                for role in ("head", "secretary", "head", "head")
            ]
            places = [("530902" if i % 2 else LINCANG, leader) for i, leader in enumerate(leaders)]
        else:
            unit = self.places.units["central-csrc"]
            places = [
                (code, rng.choice(self.places.leaders[code])) for code in rng.sample(self.places.provinces, 4)
            ]
        messages, first = [], None
        for region, leader in places:
            composed = self._compose(plan, region=region, leader=leader, topic=topic, base=first)
            first = first or composed
            message = self._publish(plan, self._submit(plan, composed))
            self._assign(plan, message, unit)
            messages.append(message)
        handler = self.cast.staff_for(unit)
        for message in messages:
            self._act("accept", accept_message, handler, message.id)
        primary, others = messages[0], [message.id for message in messages[1:]]
        self.details[primary.id]["unit"] = unit.name
        body = topic.replies[0].format_map(self.details[primary.id])
        reply = self._act("reply", submit_reply, handler, primary.id, body, others)
        self._act("approve", approve_reply, self.cast.editor, reply.id)
        if plan.target == MessageState.CLOSED:
            for message in messages:
                self._rate(message, good=True)

    # ------------------------------------------------------------------------------- writing a message

    def _compose(
        self,
        plan: Plan,
        *,
        region: str | None = None,
        leader: Leader | None = None,
        topic: texts.Topic | None = None,
        base: dict | None = None,
    ) -> dict:
        """Who writes what to whom: the author, the addressee, the place, the topic and the filled texts.
        With `base`, another citizen's message about the same thing (same place, topic and details)."""
        rng = self.rng
        if leader is None:
            if plan.leader:
                leader = self.places.leader_by_code[plan.leader]
                region = plan.region or leader.region_id
            elif plan.region:
                region, leader = plan.region, self.places.addressee(plan.region)
            else:
                roll = rng.random()
                pool = "lincang" if roll < 0.42 else "yunnan" if roll < 0.6 else "elsewhere"
                if plan.campaign == "relief":
                    pool = "lincang" if roll < 0.5 else "yunnan"
                region, leader = self.places.pick_place(pool)
        topic = topic or (base["topic"] if base else self._pick_topic(plan))
        details = self._details(region, leader)
        if base:  # the same estate, road, school …; the writer's own place, addressee and numbers
            own = ("leader", "place", "short_place", "phone", "landline", "id_number", "surname")
            details |= {key: value for key, value in base["details"].items() if key not in own}
        if topic.type == "thanks":
            details["deed"] = texts.THANKS_DEEDS[topic.domain].format_map(details)
        titles = [template.format_map(details) for template in topic.titles]
        if base and len(titles) > 1:  # another voice on the same matter words its title differently
            titles = [title for title in titles if title != base["title"]] or titles
        title = rng.choice(titles)
        parts = [
            rng.choice(texts.OPENERS[topic.type]),
            rng.choice(topic.bodies),
            rng.choice(texts.CLOSERS[topic.type]),
        ]
        if rng.random() < 0.22:
            parts.append(rng.choice(texts.CONTACT_LINES))
        body = "".join(parts).format_map(details)
        author = rng.choice(self.cast.citizens[: rng.choice([12, 30, len(self.cast.citizens)])])
        if base:
            author = rng.choice([c for c in self.cast.citizens if c.pk != base["author"].pk])
        roll = rng.random()
        phone = author.phone if author.phone and roll < 0.5 else details["phone"] if roll > 0.8 else ""
        return {
            "author": author,
            "leader": leader,
            "region": region,
            "topic": topic,
            "title": title,
            "body": body,
            "details": details,
            "contact_phone": phone,
        }

    def _pick_topic(self, plan: Plan) -> texts.Topic:
        rng = self.rng
        if plan.target == MessageState.REJECTED and rng.random() < 0.5:
            return rng.choice(texts.REJECTED_TOPICS)
        if plan.campaign == "relief":
            return rng.choice(texts.RELIEF_TOPICS)
        if plan.campaign == "suggestions":
            return rng.choice([topic for topic in texts.TOPICS if topic.type == "suggestion"])
        if plan.campaign == "business":
            domains, types = ("企业", "政务", "金融"), ("suggestion", "complaint")
            return rng.choice([t for t in texts.TOPICS if t.domain in domains and t.type in types])
        domain = plan.domain or weighted(rng, DOMAIN_WEIGHTS)
        if rng.random() < 0.05:
            return texts.Topic(
                f"thanks-{domain}",
                domain,
                "thanks",
                texts.THANKS_TITLES,
                texts.THANKS_BODIES,
                texts.THANKS_REPLIES,
            )
        return rng.choice([topic for topic in texts.TOPICS if topic.domain == domain])

    def _details(self, region: str, leader: Leader) -> dict[str, str]:
        """One draw of every detail a template may name, for a message about `region` to `leader`."""
        rng = self.rng
        road, road2 = rng.sample(texts.ROADS, 2)
        born = datetime(1950, 1, 1) + timedelta(days=rng.randint(0, 55 * 365))
        # An ID number starts with the six-digit code of a county (a township's first six digits).
        id_number = f"{region[:6]}{born:%Y%m%d}{rng.randint(0, 999):03d}"
        return {
            "leader": leader.title,
            "place": self.places.place_name(region),
            "short_place": self.places.regions[region].name,
            "town": rng.choice(texts.TOWNS),
            "village": rng.choice(texts.VILLAGES),
            "community": rng.choice(texts.COMMUNITIES),
            "estate": rng.choice(texts.ESTATES),
            "road": road,
            "road2": road2,
            "school": rng.choice(texts.SCHOOLS),
            "hospital": rng.choice(texts.HOSPITALS),
            "company": rng.choice(texts.COMPANIES),
            "scenic": rng.choice(texts.SCENIC_SPOTS),
            "bus": rng.choice(texts.BUS_LINES),
            "crop": rng.choice(texts.CROPS),
            "building": rng.choice(texts.BUILDINGS),
            "duration": rng.choice(texts.DURATIONS),
            "deadline": rng.choice(texts.DEADLINES),
            "surname": rng.choice(texts.SURNAMES),
            "count": str(rng.randint(2, 6)),
            "people": str(rng.randint(8, 40)),
            "age": str(rng.randint(3, 14)),
            "year_bought": str(timezone.localdate().year - rng.randint(3, 9)),
            "fee": str(rng.randrange(120, 700, 10)),
            "money": rng.choice(["3800", "6500", "1.2万", "2.6万", "5万", "8.8万"]),
            "big_money": rng.choice(["23万", "36万", "58万", "86万", "120万", "210万"]),
            "phone": f"1{rng.choice('35789')}{rng.randint(0, 999_999_999):09d}",
            "landline": f"{rng.choice(AREA_CODES)}-{rng.randint(2_000_000, 8_999_999)}",
            "id_number": id_number + _id_check_digit(id_number),
            "unit": "",
        }

    # ----------------------------------------------------------------------------------- action helpers

    def _submit(self, plan: Plan, composed: dict) -> Message:
        campaign = self.campaigns[plan.campaign] if plan.campaign else None
        topic = composed["topic"]
        message = self._act(
            "submit",
            submit_message,
            composed["author"],
            leader_id=composed["leader"].id,
            message_type=topic.type,
            domain=topic.domain,
            title=composed["title"],
            body=composed["body"],
            region_code=composed["region"],
            campaign_slug=campaign.slug if campaign else None,
            public=plan.public,
            anonymous=plan.anonymous,
            contact_phone=composed["contact_phone"],
        )
        self._case.message_ids.append(message.id)
        self.details[message.id] = dict(composed["details"])
        self.topics[message.id] = topic
        return message

    def _author(self, message: Message) -> User:
        return next(citizen for citizen in self.cast.citizens if citizen.pk == message.author_id)

    def _publish(self, plan: Plan, message: Message) -> Message:
        """Publish; other citizens support a public message; an editor may hide it. The message reloaded."""
        self._act("publish", publish_message, self.cast.editor, message.id)
        if plan.public and not plan.hidden:
            others = [citizen for citizen in self.cast.citizens if citizen.pk != message.author_id]
            for supporter in self.rng.sample(
                others, min(plan.supports or self._support_count(), len(others))
            ):
                self._act("support", support_message, supporter, message.id)
        if plan.hidden:
            self._act("hide", hide_message, self.cast.editor, message.id, self.rng.choice(texts.HIDE_REASONS))
        related = ("region", "desk", "leader__region", "domain")
        return Message.objects.select_related(*related).get(pk=message.pk)

    def _handling_unit(self, plan: Plan, message: Message) -> Unit:
        if plan.unit:
            return self.places.units[plan.unit]
        # A province's desk now and then passes a message on to a central department.
        central = self.places.central_by_domain.get(message.domain.name)
        if central and message.leader.region.level == RegionLevel.PROVINCE and self.rng.random() < 0.05:
            return self.places.units[self.rng.choice(central)]
        return self.places.unit_for(message.region_id, message.domain.name, message.leader.region_id)

    def _assign(self, plan: Plan, message: Message, unit: Unit) -> None:
        note = self.rng.choice(texts.ASSIGN_NOTES)
        urgent = True if plan.urgent else None
        self._act(
            "assign", assign_message, self.cast.dispatcher_for(message), message.id, unit.id, note, urgent
        )

    def _remind(self, message: Message) -> None:
        note = self.rng.choice(texts.REMIND_NOTES)
        self._act("remind", remind_message, self.cast.dispatcher_for(message), message.id, note)

    def _oversee(self, plan: Plan, message: Message) -> None:
        rng = self.rng
        if plan.remind:
            self._remind(message)
        leader = self.cast.leader_user(message)
        if plan.supervise:
            who = leader if plan.supervise == "leader" and leader else self.cast.dispatcher_for(message)
            self._act("supervise", supervise_message, who, message.id, rng.choice(texts.SUPERVISE_NOTES))
        if plan.instruct and leader:
            self._act("instruct", instruct_message, leader, message.id, rng.choice(texts.INSTRUCTIONS))

    def _extension(self, plan: Plan, message: Message, handler: User) -> None:
        rng = self.rng
        days, reason = rng.choice([5, 10, 15]), rng.choice(texts.EXTENSION_REASONS)
        extension = self._act("request_extension", request_extension, handler, message.id, days, reason)
        if plan.extension == ExtensionState.PENDING:
            return
        approve = plan.extension == ExtensionState.APPROVED
        note = rng.choice(texts.EXTENSION_APPROVALS if approve else texts.EXTENSION_REFUSALS)
        dispatcher = self.cast.dispatcher_for(message)
        self._act("decide_extension", decide_extension, dispatcher, extension.id, approve, note)

    def _sent_back_reply(self, message: Message, handler: User) -> None:
        """A perfunctory answer that the editor sends back (退回回复)."""
        rng = self.rng
        reply = self._act("reply", submit_reply, handler, message.id, rng.choice(texts.PERFUNCTORY_REPLIES))
        self._act(
            "send_back", send_back_reply, self.cast.editor, reply.id, rng.choice(texts.SEND_BACK_REASONS)
        )

    def _reply(self, plan: Plan, message: Message, handler: User, *, second: bool = False) -> None:
        if plan.sent_back and not second:
            self._sent_back_reply(message, handler)
        details, topic = self.details[message.id], self.topics[message.id]
        template = self.rng.choice(texts.SECOND_REPLIES if second else topic.replies)
        body = (template + self.rng.choice(texts.REPLY_CLOSINGS)).format_map(details)
        reply = self._act("reply", submit_reply, handler, message.id, body)
        if plan.target != MessageState.REPLY_REVIEW:
            self._act("approve", approve_reply, self.cast.editor, reply.id)

    def _rate(self, message: Message, *, good: bool) -> None:
        rng = self.rng
        if good:
            scores = [rng.choice([3, 4, 4, 5, 5, 5]) for _ in range(3)]
            comment = rng.choice(texts.GOOD_RATING_COMMENTS)
        else:
            scores = [rng.choice([1, 2, 2, 3]), rng.choice([1, 2, 3]), rng.choice([1, 2])]
            comment = rng.choice(texts.BAD_RATING_COMMENTS)
        resolution, attitude, speed = scores
        self._act(
            "rate",
            rate_message,
            self._author(message),
            message.id,
            resolution=resolution,
            attitude=attitude,
            speed=speed,
            comment=comment,
        )


def _id_check_digit(first17: str) -> str:
    """The check character of an 18-character resident ID number (GB 11643)."""
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights, strict=True)) % 11]
