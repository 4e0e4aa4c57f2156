"""Send-time rules: calendar windows for capping, quiet periods across midnight and in time zones."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from simulator.platform.rules.engine import capping_window, quiet_period_end
from simulator.platform.rules.models import CappingRule, QuietHours


def at(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


def cap(period: str, every: int = 1) -> CappingRule:
    return CappingRule(name="c", channels=["push"], count=1, period=period, every=every)  # type: ignore[arg-type]


def test_a_calendar_week_runs_sunday_to_saturday_235959_utc() -> None:
    saturday_last_second = at("2026-01-10T23:59:59+00:00")
    sunday_first_second = at("2026-01-11T00:00:00+00:00")
    assert capping_window(cap("week"), saturday_last_second) == capping_window(
        cap("week"), at("2026-01-04T00:00:00+00:00")
    )
    assert capping_window(cap("week"), saturday_last_second) != capping_window(cap("week"), sunday_first_second)


def test_days_end_at_midnight_utc_and_months_on_their_last_day() -> None:
    assert capping_window(cap("day"), at("2026-01-05T23:59:59+00:00")) != capping_window(
        cap("day"), at("2026-01-06T00:00:00+00:00")
    )
    assert capping_window(cap("month"), at("2026-02-28T23:59:59+00:00")) != capping_window(
        cap("month"), at("2026-03-01T00:00:00+00:00")
    )


def test_every_n_groups_consecutive_windows() -> None:
    two_days = cap("day", every=2)
    windows = [capping_window(two_days, at(f"2026-01-{day:02d}T12:00:00+00:00")) for day in range(5, 11)]
    assert sorted(windows.count(w) for w in set(windows)) == [2, 2, 2]


def quiet(**fields: object) -> QuietHours:
    return QuietHours.model_validate({"name": "q", "channels": ["push"], "start": "22:00", "end": "08:00", **fields})


@pytest.mark.parametrize(
    ("moment", "ends"),
    [
        ("2026-01-05T23:30:00-05:00", "2026-01-06T08:00:00-05:00"),  # Monday night: quiet until Tuesday 08:00
        ("2026-01-06T07:59:00-05:00", "2026-01-06T08:00:00-05:00"),  # still Monday's period
        ("2026-01-06T08:00:00-05:00", None),
        ("2026-01-06T21:59:00-05:00", None),
    ],
)
def test_a_period_crossing_midnight_belongs_to_its_start_day(moment: str, ends: str | None) -> None:
    end = quiet_period_end(quiet(), at(moment), ZoneInfo("America/New_York"))
    assert end == (at(ends) if ends else None)


def test_a_friday_night_period_covers_saturday_early_morning_but_not_sunday() -> None:
    friday = quiet(days=["fri"])
    zone = ZoneInfo("Europe/Paris")
    assert quiet_period_end(friday, at("2026-01-10T02:00:00+01:00"), zone) == at("2026-01-10T08:00:00+01:00")
    assert quiet_period_end(friday, at("2026-01-11T02:00:00+01:00"), zone) is None


def test_no_time_zone_means_not_enforced() -> None:
    assert quiet_period_end(quiet(), datetime(2026, 1, 5, 23, tzinfo=UTC).timestamp(), None) is None


def test_invalid_rules_name_the_field() -> None:
    with pytest.raises(ValueError, match="HH:MM"):
        quiet(start="25:00")
    with pytest.raises(ValueError, match="unknown time zone"):
        quiet(timezone="Mars/Olympus")
