"""How the watched folder is downloaded: a few messages at a time, huge ones never."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from mailbroker.mailbox import Waiting, batches

CAP = 1_000


def test_small_messages_go_by_count():
    waiting = [Waiting(uid, 10) for uid in range(1, 8)]
    assert [[w.uid for w in b] for b in batches(waiting, CAP, count=3, budget=10_000)] == [[1, 2, 3], [4, 5, 6], [7]]


def test_large_messages_go_by_weight():
    waiting = [Waiting(1, 600), Waiting(2, 600), Waiting(3, 300), Waiting(4, 900)]
    assert [[w.uid for w in b] for b in batches(waiting, CAP, budget=1_000)] == [[1], [2, 3], [4]]


def test_a_message_over_the_cap_weighs_nothing_as_only_its_header_is_fetched():
    waiting = [Waiting(1, 900), Waiting(2, 10**9), Waiting(3, 100)]
    assert [[w.uid for w in b] for b in batches(waiting, CAP, budget=1_000)] == [[1, 2, 3]]


@given(sizes=st.lists(st.integers(min_value=0, max_value=3 * CAP), max_size=60),
       count=st.integers(min_value=1, max_value=10), budget=st.integers(min_value=1, max_value=5 * CAP))
def test_every_message_once_in_order_within_the_bounds(sizes, count, budget):
    waiting = [Waiting(uid, size) for uid, size in enumerate(sizes, start=1)]
    cut = batches(waiting, CAP, count=count, budget=budget)
    assert [w for b in cut for w in b] == waiting
    for batch in cut:
        assert batch and len(batch) <= count
        weight = sum(w.size for w in batch if w.size <= CAP)
        assert weight <= budget or len(batch) == 1
