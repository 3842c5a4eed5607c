"""Leases in the store, on SQLite and PostgreSQL: taken when free, refused to
another holder while in force, renewed by their holder, taken over once expired,
let go by their holder only; two processes asking at once get it once."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from store import leases

NOW = datetime(2026, 12, 7, 5, 0, tzinfo=UTC)
A, B = "host-a:101:aaaaaa", "host-b:202:bbbbbb"


def take(engine, holder: str, at: datetime, seconds: float = 60) -> str:
    with engine.begin() as conn:
        return leases.take(conn, "source:feed", holder, at, seconds)


def in_force(engine, at: datetime) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in leases.holders(conn, at)]


def test_a_free_lease_is_taken_and_refused_to_another_while_in_force(engine):
    assert take(engine, A, NOW) == A
    assert take(engine, B, NOW + timedelta(seconds=59)) == A
    assert in_force(engine, NOW) == [
        ("source:feed", A, NOW + timedelta(seconds=60), NOW)
    ]


def test_its_holder_renews_it_and_keeps_the_time_it_took_it(engine):
    take(engine, A, NOW)
    assert take(engine, A, NOW + timedelta(seconds=50)) == A
    # past the first expiry, the renewal still holds it off
    assert take(engine, B, NOW + timedelta(seconds=100)) == A
    assert in_force(engine, NOW + timedelta(seconds=100)) == [
        ("source:feed", A, NOW + timedelta(seconds=110), NOW)
    ]


def test_an_expired_lease_is_taken_over(engine):
    take(engine, A, NOW)
    later = NOW + timedelta(seconds=60)  # the moment it expires
    assert take(engine, B, later) == B
    assert in_force(engine, later) == [
        ("source:feed", B, later + timedelta(seconds=60), later)
    ]
    assert take(engine, A, later + timedelta(seconds=1)) == B
    assert in_force(engine, later + timedelta(seconds=60)) == []


def test_only_its_holder_lets_it_go_and_then_it_is_free(engine):
    take(engine, A, NOW)
    with engine.begin() as conn:
        assert not leases.release(conn, "source:feed", B)
    assert take(engine, B, NOW) == A
    with engine.begin() as conn:
        assert leases.release(conn, "source:feed", A)
        assert not leases.release(conn, "source:feed", A)
    assert take(engine, B, NOW + timedelta(seconds=1)) == B


def test_leases_of_different_names_are_apart(engine):
    take(engine, A, NOW)
    with engine.begin() as conn:
        assert leases.take(conn, "stage", B, NOW, 10) == B
    assert [r[:2] for r in in_force(engine, NOW)] == [
        ("source:feed", A),
        ("stage", B),
    ]


def test_many_asking_at_once_for_an_expired_lease_get_it_once(engine):
    take(engine, A, NOW)
    later = NOW + timedelta(seconds=61)
    askers = [f"host-{i}:{i}:cccccc" for i in range(6)]
    answers: dict[str, str] = {}
    start = threading.Barrier(len(askers))

    def ask(holder: str) -> None:
        start.wait(timeout=30)
        answers[holder] = take(engine, holder, later)

    threads = [threading.Thread(target=ask, args=(h,)) for h in askers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    winners = {h for h, got in answers.items() if got == h}
    assert len(answers) == len(askers) and len(winners) == 1
    assert set(answers.values()) == winners  # every one told the same holder
