"""Handlers accepting the same message at the same moment: exactly one succeeds, the others get 409."""

import threading

import pytest
from django.db import connection

from liuyan.board.actions.base import Conflict
from liuyan.board.actions.handling import accept_message
from liuyan.board.choices import EventKind, MessageState
from liuyan.board.models import Event, Message
from tests.conftest import make_user
from tests.factories import make_message

RACERS = 4
ROUNDS = 5


@pytest.mark.django_db(transaction=True)
def test_parallel_accepts_one_wins(seeded_transactional_db, citizen, admin_user):
    messages = [make_message(citizen, admin_user, MessageState.ASSIGNED) for _ in range(ROUNDS)]
    handlers = [make_user(f"handler-{i}", "handler", unit=messages[0].unit) for i in range(RACERS)]

    for message in messages:
        barrier = threading.Barrier(RACERS)
        outcomes: list[str] = []

        def accept(user, message=message, barrier=barrier, outcomes=outcomes):
            try:
                barrier.wait(timeout=10)
                accept_message(user, message.id)
                outcomes.append("accepted")
            except Conflict as error:
                assert error.status == 409 and "办理中" in error.message
                outcomes.append("conflict")
            finally:
                connection.close()

        threads = [threading.Thread(target=accept, args=(user,)) for user in handlers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

        assert sorted(outcomes) == ["accepted"] + ["conflict"] * (RACERS - 1)
        assert Message.objects.get(pk=message.pk).state == MessageState.IN_PROGRESS
        assert Event.objects.filter(message=message, kind=EventKind.ACCEPTED).count() == 1
