"""Fire times with explicit datetimes: cron in a time zone (and across DST), intervals, and
the non-working-day calendar wrapped around both."""

from __future__ import annotations

import datetime as dt
import pickle
from zoneinfo import ZoneInfo

import pytest
import time_machine

from clerk.scheduler._apscheduler import build_trigger
from clerk.scheduler._calendar import WorkingCalendar, next_working_fire
from clerk.scheduler._spec import CronSpec, InboxSpec, IntervalSpec, JobSpec, RetrySpec

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
UTC = dt.UTC
WEEKEND_AND_XMAS = WorkingCalendar.parse(["sat", "sun"], ["2026-12-24", "2026-12-25"])


def job(trigger: CronSpec | IntervalSpec, calendar: WorkingCalendar | None = None) -> JobSpec:
    return JobSpec(name="j", bot="b", trigger=trigger, inbox=None, queue="Q", target=None, retry=RetrySpec(),
                   timeout=dt.timedelta(hours=1), stop_grace=dt.timedelta(minutes=1),
                   misfire_grace_time=dt.timedelta(hours=1), coalesce=True, calendar=calendar)


def fires(spec: JobSpec, now: dt.datetime, count: int) -> list[dt.datetime]:
    trigger = build_trigger(spec)
    out: list[dt.datetime] = []
    previous = None
    for _ in range(count):
        moment = trigger.get_next_fire_time(previous, now)
        assert moment is not None
        out.append(moment)
        previous, now = moment, moment
    return out


def test_cron_fires_at_wall_clock_time_of_its_own_zone() -> None:
    spec = job(CronSpec(expression="30 8 * * mon-fri", timezone="Europe/Berlin"))
    friday_after = dt.datetime(2026, 11, 27, 8, 0, tzinfo=UTC)  # 09:00 in Berlin: today's 08:30 has passed
    assert fires(spec, friday_after, 2) == [dt.datetime(2026, 11, 30, 8, 30, tzinfo=BERLIN),
                                            dt.datetime(2026, 12, 1, 8, 30, tzinfo=BERLIN)]
    assert fires(spec, friday_after, 1)[0].astimezone(UTC) == dt.datetime(2026, 11, 30, 7, 30, tzinfo=UTC)


def test_cron_keeps_its_wall_clock_time_across_daylight_saving() -> None:
    spec = job(CronSpec(expression="0 7 * * *", timezone="America/New_York"))
    before = dt.datetime(2027, 3, 13, 12, 0, tzinfo=UTC)  # DST starts in New York on Sunday 2027-03-14
    saturday, sunday = fires(spec, before, 2)
    assert (saturday.hour, sunday.hour) == (7, 7)
    assert saturday.astimezone(UTC).hour == 12 and sunday.astimezone(UTC).hour == 11


def test_weekday_names_mean_what_crontab_means() -> None:
    spec = job(CronSpec(expression="0 6 * * sun", timezone="UTC"))
    assert fires(spec, dt.datetime(2026, 11, 23, tzinfo=UTC), 1)[0].weekday() == 6  # a Sunday


def test_the_calendar_passes_over_weekends_and_listed_dates() -> None:
    spec = job(CronSpec(expression="0 9 * * *", timezone="Europe/Berlin"), WEEKEND_AND_XMAS)
    wednesday_evening = dt.datetime(2026, 12, 23, 18, 0, tzinfo=BERLIN)
    assert fires(spec, wednesday_evening, 2) == [dt.datetime(2026, 12, 28, 9, 0, tzinfo=BERLIN),
                                                 dt.datetime(2026, 12, 29, 9, 0, tzinfo=BERLIN)]


def test_the_calendar_day_is_the_day_in_the_triggers_zone() -> None:
    # 23:30 on Friday in New York is already Saturday in UTC: it is still a working day there
    spec = job(CronSpec(expression="30 23 * * *", timezone="America/New_York"), WEEKEND_AND_XMAS)
    first = fires(spec, dt.datetime(2026, 11, 27, 12, 0, tzinfo=NEW_YORK), 2)
    assert first == [dt.datetime(2026, 11, 27, 23, 30, tzinfo=NEW_YORK),
                     dt.datetime(2026, 11, 30, 23, 30, tzinfo=NEW_YORK)]


def test_an_interval_keeps_its_rhythm_and_resumes_on_the_next_working_day() -> None:
    with time_machine.travel(dt.datetime(2026, 11, 27, 16, 0, tzinfo=UTC), tick=False):  # a Friday
        spec = job(IntervalSpec(every=dt.timedelta(hours=5), timezone="UTC"), WEEKEND_AND_XMAS)
        trigger = build_trigger(spec)  # first fire: now + 5h
        now = dt.datetime.now(UTC)
    first = trigger.get_next_fire_time(None, now)
    assert first == dt.datetime(2026, 11, 27, 21, 0, tzinfo=UTC)
    monday = trigger.get_next_fire_time(first, first)
    assert monday is not None and monday.date() == dt.date(2026, 11, 30)
    assert (monday - first).total_seconds() % (5 * 3600) == 0  # still on the 5-hour grid
    assert monday.hour == 4  # Fri 21:00 + 11 x 5h: the first grid point after Monday midnight


def test_a_calendar_closed_every_day_never_fires() -> None:
    closed = WorkingCalendar.parse(["mon", "tue", "wed", "thu", "fri", "sat", "sun"], [])
    spec = job(CronSpec(expression="0 9 * * *", timezone="UTC"), closed)
    assert build_trigger(spec).get_next_fire_time(None, dt.datetime(2026, 1, 1, tzinfo=UTC)) is None


def test_next_working_fire_asks_the_trigger_again_from_the_next_midnight() -> None:
    asked: list[tuple[dt.datetime | None, dt.datetime]] = []

    def hourly(previous: dt.datetime | None, now: dt.datetime) -> dt.datetime:
        asked.append((previous, now))
        return (previous or now) + dt.timedelta(hours=1)

    saturday = dt.datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
    found = next_working_fire(WEEKEND_AND_XMAS, hourly, saturday, saturday)
    assert found == dt.datetime(2026, 11, 30, 1, 0, tzinfo=UTC)
    assert asked[1:] == [(None, dt.datetime(2026, 11, 29, tzinfo=UTC)), (None, dt.datetime(2026, 11, 30, tzinfo=UTC))]


def test_the_wrapped_trigger_survives_the_job_store() -> None:
    spec = job(CronSpec(expression="0 9 * * mon-fri", timezone="Europe/Berlin"), WEEKEND_AND_XMAS)
    trigger = pickle.loads(pickle.dumps(build_trigger(spec)))
    assert "on working days" in str(trigger)
    assert trigger.get_next_fire_time(None, dt.datetime(2026, 12, 23, 12, 0, tzinfo=BERLIN)) == dt.datetime(
        2026, 12, 28, 9, 0, tzinfo=BERLIN)


@pytest.mark.parametrize("day, working", [(dt.date(2026, 12, 24), False), (dt.date(2026, 12, 26), False),
                                          (dt.date(2026, 12, 28), True)])
def test_working_days(day: dt.date, working: bool) -> None:
    assert WEEKEND_AND_XMAS.is_working_day(day) is working


def test_an_inbox_spec_keeps_its_working_folder_inside_the_inbox(tmp_path: object) -> None:
    from pathlib import Path
    spec = InboxSpec(folder=Path("/in"), processed=Path("/p"), failed=Path("/f"), settle=dt.timedelta(seconds=1))
    assert spec.working == Path("/in/.working")
