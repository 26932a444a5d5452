"""A referrer's commands by email: what is one, and what is not."""

from __future__ import annotations

import pytest

from mailbroker.commands import asks_for_status, asks_to_cancel


@pytest.mark.parametrize("text", [
    "cancel", "Cancel.", "CANCEL!", "Please cancel", "cancel this one", "Cancel please\n\nThanks,\nRita",
    "annuler", "Annulez la mise en relation.", "Merci d'annuler", "annule-la",
])
def test_cancel_said_alone_is_a_cancellation(text):
    assert asks_to_cancel(text)


@pytest.mark.parametrize("text", [
    "", "Don't cancel, they still want it", "Please cancel my 3 pm with Jane, but go ahead with the introduction",
    "We met at Acme; cancel culture aside, they will get on.", "I cancelled my trip, so Tuesday works",
    "cancel\nactually no, keep it going: Bob is keen, he told me so this morning over coffee",
    "Ne pas annuler", "yes", "Bob and I built the payments platform together at Acme in 2021.",
])
def test_anything_more_than_the_command_is_not_one(text):
    assert not asks_to_cancel(text)


@pytest.mark.parametrize("subject, body", [
    ("status", ""), ("Status", "\n"), ("", "status"), ("Question", "Status please\nRita"), ("", "Statut"),
    ("", "Où en sont mes mises en relation ?"), ("My introductions", ""),
])
def test_status_asked_in_the_subject_or_the_body(subject, body):
    assert asks_for_status(subject, body)


@pytest.mark.parametrize("subject, body", [
    ("Status update on our project", "Hi, could you introduce Ann to Jane?"),
    ("status", "Please introduce Ann Smith <ann@example.test> to Jane <jane@example.test>"),
    ("Intro", "What is the status of the payments team? Ann wants to meet them."),
    ("", ""),
])
def test_a_request_that_mentions_status_is_a_request(subject, body):
    assert not asks_for_status(subject, body)
