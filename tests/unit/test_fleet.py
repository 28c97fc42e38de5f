"""The Celery side without a broker: settings, the explicit Celery configuration, orders."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from kombu.utils.json import dumps, loads

from clerk import ConfigError, Found
from clerk._items import parse_items
from clerk._outcome import ItemResult, ItemStatus
from clerk._sighting import Sighting
from clerk.fleet import load_fleet_settings
from clerk.fleet._app import celery_config
from clerk.fleet._orders import ItemOrder, ItemOutcome
from clerk.inputs import read_table


def test_the_broker_password_comes_from_the_environment_only(checkout: Path) -> None:
    fleet = load_fleet_settings(checkout, {"CLERK_BROKER_PASSWORD": "p@ss/word"})
    assert fleet.broker_url == "amqp://clerk@127.0.0.1:5672/clerk"
    assert fleet.broker_connection == "amqp://clerk:p%40ss%2Fword@127.0.0.1:5672/clerk"
    with pytest.raises(ConfigError, match="must not hold a password; set CLERK_BROKER_PASSWORD"):
        load_fleet_settings(checkout, {"CLERK_CELERY__BROKER_URL": "amqp://clerk:x@host/clerk"})


def test_runner_executor_and_unknown_keys(checkout: Path) -> None:
    assert load_fleet_settings(checkout, {}).executor == "local"
    assert load_fleet_settings(checkout, {"CLERK_RUNNER__EXECUTOR": "celery"}).executor == "celery"
    with pytest.raises(ConfigError, match="executor must be local or celery"):
        load_fleet_settings(checkout, {"CLERK_RUNNER__EXECUTOR": "threads"})
    with pytest.raises(ConfigError, match=r"\[celery\]: unknown key\(s\) visibility_timeout"):
        load_fleet_settings(checkout, {"CLERK_CELERY__VISIBILITY_TIMEOUT": "3600"})


def test_what_keeps_items_from_being_lost_or_doubled_is_set_explicitly(checkout: Path) -> None:
    config = celery_config(load_fleet_settings(checkout, {"CLERK_CELERY__ITEM_TIMEOUT_S": "300"}))
    assert config["task_acks_late"] is True
    assert config["task_reject_on_worker_lost"] is True
    assert config["worker_cancel_long_running_tasks_on_connection_loss"] is True
    assert config["worker_prefetch_multiplier"] == 1
    assert (config["task_soft_time_limit"], config["task_time_limit"]) == (300, 360)
    assert config["broker_heartbeat"] == 10
    assert config["accept_content"] == ["json"] and config["result_backend"] == "rpc://"


def test_an_order_travels_as_json_and_parses_to_the_same_item(make_bot, write_table, tmp_path: Path) -> None:
    bot = make_bot()
    path = write_table("lines.xlsx", [["Reference", "Amount", "When"], ["A-1", 12.5, dt.datetime(2026, 11, 2)]])
    table = read_table(path, bot.schema.columns, required=bot.schema.required)
    [item] = parse_items(table, bot.schema, bot.reference)
    order = ItemOrder.of(bot, "run-1", tmp_path / "rec", {"queue": "Q"}, item)
    travelled = ItemOrder.from_message(loads(dumps(order.as_message())))
    again = travelled.work_item(bot)
    assert (again.row.number, again.reference, again.data) == (2, "A-1", item.data)
    assert again.column("ref") == "Reference" and again.file == "lines.xlsx"
    assert travelled.survey_verdict() is None
    seen = ItemOrder.of(bot, "run-1", tmp_path / "rec", {}, item, Sighting(Found(app_ref="F-9")))
    assert ItemOrder.from_message(loads(dumps(seen.as_message()))).survey_verdict() == Sighting(Found(app_ref="F-9"))
    forged = ItemOrder.from_message({**order.as_message(), "reference": "A-2"})
    with pytest.raises(ConfigError, match="reads as 'A-1' on this worker, not 'A-2'"):
        forged.work_item(bot)


def test_an_outcome_travels_as_json() -> None:
    result = ItemResult(row=3, reference="A-1", status=ItemStatus.DONE, app_ref="17", message="ok",
                        shots="/r/shots/row-00003", worker="host:42")
    outcome = ItemOutcome(result=result, stop_reason="", events=[{"text": "x", "record": {"extra": {}}}])
    back = ItemOutcome.from_message(loads(dumps(outcome.as_message())))
    assert back == outcome
    assert Decimal("1.10") == loads(dumps(Decimal("1.10")))  # kombu's JSON keeps decimals exact


def test_events_logged_on_a_worker_join_the_runs_hash_chain(tmp_path: Path) -> None:
    from loguru import logger

    from clerk._logging import EventBuffer, RunLog
    from clerk.audit._chain import check_chain

    run_log = RunLog(tmp_path / "events.jsonl", "run-1")
    logger.bind(run_id="run-1").info("the run starts")
    buffer = EventBuffer("run-1")  # on the worker (here: the same process, so the run log sees them too)
    logger.bind(run_id="run-1", worker="host:7", item="row-00002").info("row 2: done")
    logger.bind(run_id="run-2").info("another run's event stays out")
    events = buffer.close()
    assert [e["record"]["message"] for e in events] == ["row 2: done"]
    for event in events:
        run_log.append({**event, "seq": 99, "hash": "forged"})  # chain fields from elsewhere are replaced
    run_log.close()
    lines = (tmp_path / "events.jsonl").read_text().splitlines()
    report = check_chain(lines)
    assert report.findings == [] and report.count == 3
    assert json.loads(lines[-1])["record"]["extra"]["worker"] == "host:7"


@pytest.mark.parametrize(("executor", "workers", "expected"), [("local", 2, ("local", 2)),
                                                                ("celery", 2, ("celery", 1))])
def test_a_scheduled_run_works_its_items_as_runner_executor_says(
    checkout: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, executor: str, workers: int,
    expected: tuple[str, int],
) -> None:
    import clerk._run
    from clerk.scheduler._child import ChildRequest, _run

    seen: list[Any] = []

    def fake_run_bot(bot: Any, settings: Any, options: Any, **_: Any) -> Any:
        seen.append(options)
        raise ConfigError("stop here")

    monkeypatch.setattr(clerk._run, "run_bot", fake_run_bot)
    monkeypatch.setenv("CLERK_RUNNER__EXECUTOR", executor)
    request = ChildRequest(project_dir=str(checkout), bot="invoice_entry", input_path=None,
                           overrides={}, result_path=str(tmp_path / "r.json"), parent_pid=0, timeout_s=60,
                           workers=workers)
    with pytest.raises(ConfigError, match="stop here"):
        _run(request, SimpleNamespace(stop=None))  # type: ignore[arg-type]
    assert (seen[0].executor, seen[0].workers) == expected
