"""No mail loop can form: a party whose mailbox answers everything automatically."""

from __future__ import annotations

import threading
import time
from email.utils import parseaddr

import pytest

from mailbroker import testing as mt
from mailbroker.testing import direct_request, reply
from mailbroker.testing import submit as send

from .harness import STORES

pytestmark = [pytest.mark.e2e, pytest.mark.stores(*STORES)]

CAROL = mt.address("carol")


def autoresponder(user: str, stop: threading.Event, marked: bool, answered: list[str]) -> None:
    """Answer every new message in `user`'s INBOX, to its Reply-To (or From), as a
    vacation responder would: with RFC 3834 headers when `marked`, with only an
    "Out of office" subject when not (a badly behaved one)."""
    seen: set[str] = set()
    with mt.Mailbox(user) as box:
        while not stop.is_set():
            for msg in box.messages():
                message_id = str(msg["Message-ID"])
                if message_id in seen:
                    continue
                seen.add(message_id)
                answer = reply(msg, mt.address(user), "I am out of the office until Monday.")
                answer.replace_header("Subject", "Out of Office: " + str(msg["Subject"]))
                if marked:
                    answer["Auto-Submitted"] = "auto-replied"
                send(answer)
                answered.append(parseaddr(str(answer["To"]))[1])
            time.sleep(0.2)


@pytest.mark.parametrize("marked", [True, False], ids=["rfc3834", "subject-only"])
def test_an_autoresponder_never_starts_a_loop(broker, marked):  # noqa: F811
    stop, answered = threading.Event(), []
    responder = threading.Thread(target=autoresponder, args=("carol", stop, marked, answered), daemon=True)
    responder.start()
    try:
        send(direct_request("Introduce: Carol <carol@example.test>\nTo: Dave <dave@example.test>\n"
                            "Why: both run the Lyon payments meetup."))
        with mt.Mailbox("dave") as box:
            box.wait_for()
        time.sleep(8)  # long enough for several rounds, were the broker to answer
    finally:
        stop.set()
        responder.join(timeout=10)
    broker.settled()
    with mt.Mailbox("carol") as box:
        to_carol = box.messages()
    # The consent request only: the out-of-office was filed, never answered.
    assert len(to_carol) == 1, [str(m["Subject"]) for m in to_carol]
    assert len(answered) == 1
    with mt.Mailbox("intro") as box:
        assert box.count("mailbroker/processed") == 2  # the request and the automatic reply
    assert "automatic message ignored" in broker.log_text()
