"""What the engine does with a run's whole batch at once, before (or, in a dry run,
instead of) entering any item: the bot's preflight, the survey of what the application
already holds, and a dry run's verdicts."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from loguru import logger

from clerk._errors import BotError, BusinessError
from clerk._items import Problem, WorkItem
from clerk._outcome import ItemStatus
from clerk._sighting import Sighting

if TYPE_CHECKING:
    from clerk._engine import _Engine


def preflight(engine: _Engine, todo: list[WorkItem[Any]]) -> None:
    """Attach the problems the bot's preflight finds to the items they concern."""
    check, ctx = engine.bot.preflight, engine.first.ctx
    assert check is not None
    problems: list[Problem] = list(engine.with_retries(engine.first, lambda: list(check(ctx, todo)), "preflight"))
    by_row = {item.row.number: item for item in todo}
    for problem in problems:
        by_row[problem.row].problems.append(problem)


def survey(engine: _Engine, todo: list[WorkItem[Any]]) -> dict[str, Sighting]:
    """Look the whole batch up in the application at once, when the bot can; the verdicts by item key.
    A survey that keeps failing costs nothing but speed: every item is then looked up on its own."""
    look, bot, ctx = engine.bot.survey, engine.bot, engine.first.ctx
    if look is None or bot.find is None or not todo:
        return {}
    try:
        seen = engine.with_retries(engine.first, lambda: look(ctx, todo), "survey")
    except BotError as err:
        if err.stops_run:
            raise
        logger.warning("the survey of {} failed ({}: {}); each item is looked up on its own",
                       bot.main_app, err.code, err)
        return {}
    finally:
        ctx.item_key = "run"
    sightings = {item.key: Sighting(seen[item.reference or ""]) for item in todo if (item.reference or "") in seen}
    logger.info("survey of {}: {} of {} item(s) covered, {} already there", bot.main_app,
                len(sightings), len(todo), sum(1 for s in sightings.values() if s.found))
    return sightings


def dry_run(engine: _Engine, todo: list[WorkItem[Any]]) -> None:
    """Say of each item whether a real run would enter it, entering nothing."""
    bot, worker = engine.bot, engine.first
    app, ctx = bot.main_app, worker.ctx
    for item in todo:
        ctx.begin_item(item.key)
        if bot.find is None:
            engine.record(worker, item, ItemStatus.READY, message=f"dry run: valid; would be entered in {app} "
                          f"({app} cannot be searched: whether it is there already is not checked)")
            continue
        sighting = engine.sightings.get(item.key)
        try:
            found = sighting.found if sighting is not None else \
                engine.with_retries(worker, partial(bot.find, ctx, item.data), item.key)
        except BusinessError as err:  # find may already know the item will be refused
            engine.record(worker, item, ItemStatus.INVALID, message=f"dry run: {err}")
            continue
        except BotError as err:
            if err.stops_run:
                raise
            engine.record(worker, item, ItemStatus.FAILED, message=f"dry run: {err.code}: {err}")
            continue
        if found is not None:
            engine.record(worker, item, ItemStatus.ALREADY_PRESENT, found.app_ref,
                          f"dry run: already in {app}; would not be entered")
        else:
            engine.record(worker, item, ItemStatus.READY, message=f"dry run: valid; would be entered in {app}")
