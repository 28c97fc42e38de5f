"""A bot's survey: one look at the whole batch stands in for the lookups of items nobody
claimed before, and for nothing else."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from clerk import ApplicationError
from clerk._run import run_bot
from clerk._run_options import RunOptions
from clerk._sighting import Sighting

HEADER = ["Reference", "Amount", "Notes"]


def lines(write_table, *refs: str) -> Path:
    return write_table("lines.csv", [HEADER, *[[ref, "10", "note"] for ref in refs]])


def run(bot, settings, path: Path, **options: Any):
    return run_bot(bot, settings, RunOptions(input_path=path, **options))


def statuses(report) -> list[str]:
    return [r.status.value for r in report.results]


def test_the_survey_replaces_the_lookup_of_items_never_claimed(make_bot, fake_app, settings, write_table) -> None:
    fake_app.records["A-2"] = "P-1"  # typed in by a person before the run
    report = run(make_bot(survey=fake_app.survey), settings, lines(write_table, "A-1", "A-2", "A-3"))
    assert statuses(report) == ["done", "already_present", "done"]
    assert report.results[1].app_ref == "P-1"
    assert fake_app.calls == [("survey", "A-1,A-2,A-3"), ("enter", "A-1"), ("enter", "A-3")]
    events = (report.recording_dir / "events.jsonl").read_text()
    assert "survey of fake: 3 of 3 item(s) covered, 1 already there" in events


def test_an_item_claimed_before_is_looked_up_again_whatever_the_survey_says(
        make_bot, fake_app, settings, write_table) -> None:
    bot = make_bot(survey=fake_app.survey)
    fake_app.enter_errors["A-1"] = [ApplicationError("HTTP 500")] * 3
    assert statuses(run(bot, settings, lines(write_table, "A-1"))) == ["failed"]
    fake_app.records["A-1"] = "P-7"  # the failed attempt went in after all, and the survey misses it
    fake_app.survey_blind.add("A-1")
    fake_app.calls.clear()
    report = run(bot, settings, lines(write_table, "A-1"))
    assert statuses(report) == ["already_present"] and report.results[0].app_ref == "P-7"
    assert fake_app.calls == [("survey", "A-1"), ("find", "A-1")]
    assert fake_app.entered() == []


def test_a_retry_after_a_write_looks_the_item_up_instead_of_trusting_the_survey(
        make_bot, fake_app, settings, write_table) -> None:
    fake_app.write_then_fail["A-1"] = ApplicationError("the read-back did not answer")
    report = run(make_bot(survey=fake_app.survey), settings, lines(write_table, "A-1"))
    assert statuses(report) == ["done"] and report.results[0].app_ref == "F-1"
    assert fake_app.calls == [("survey", "A-1"), ("enter", "A-1"), ("find", "A-1")]
    assert fake_app.records == {"A-1": "F-1"}


def test_a_survey_that_keeps_failing_leaves_each_item_to_its_own_lookup(
        make_bot, fake_app, settings, write_table) -> None:
    fake_app.survey_errors = [ApplicationError("HTTP 502")] * 3
    report = run(make_bot(survey=fake_app.survey), settings, lines(write_table, "A-1", "A-2"))
    assert statuses(report) == ["done", "done"]
    assert fake_app.calls[3:] == [("find", "A-1"), ("enter", "A-1"), ("find", "A-2"), ("enter", "A-2")]


def test_a_dry_run_takes_its_verdicts_from_the_survey(make_bot, fake_app, settings, write_table) -> None:
    fake_app.records["A-2"] = "P-1"
    report = run(make_bot(survey=fake_app.survey), settings, lines(write_table, "A-1", "A-2"), dry_run=True)
    assert statuses(report) == ["ready", "already_present"]
    assert fake_app.calls == [("survey", "A-1,A-2")]


def test_workers_share_the_one_survey(make_bot, fake_app, settings, write_table) -> None:
    fake_app.records["A-3"] = "P-1"
    report = run(make_bot(survey=fake_app.survey), settings, lines(write_table, "A-1", "A-2", "A-3", "A-4"),
                 workers=2)
    assert sorted(statuses(report)) == ["already_present", "done", "done", "done"]
    assert [call for call in fake_app.calls if call[0] != "enter"] == [("survey", "A-1,A-2,A-3,A-4")]
    assert sorted(fake_app.entered()) == ["A-1", "A-2", "A-4"]


def test_a_verdict_travels_as_json() -> None:
    from clerk import Found

    for sighting in (Sighting(None), Sighting(Found(app_ref="42", detail="LedgerSMB transaction(s) 42"))):
        assert Sighting.from_message(json.loads(json.dumps(sighting.as_message()))) == sighting


def test_the_survey_goes_before_preflight_so_the_first_item_starts_where_preflight_left_off(
        make_bot, fake_app, settings, write_table) -> None:
    def preflight(ctx, items):
        fake_app.calls.append(("preflight", ",".join(item.data.ref for item in items)))
        yield from fake_app.preflight(ctx, items)

    fake_app.preflight_problems["A-2"] = ("amount", "refused by the application")
    report = run(make_bot(survey=fake_app.survey, preflight=preflight), settings,
                 lines(write_table, "A-1", "A-2", "A-3"), skip_invalid=True)
    assert sorted((r.row, r.status.value) for r in report.results) == [(2, "done"), (3, "invalid"), (4, "done")]
    assert fake_app.calls == [("survey", "A-1,A-2,A-3"), ("preflight", "A-1,A-2,A-3"),
                              ("enter", "A-1"), ("enter", "A-3")]
