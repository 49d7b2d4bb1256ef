"""Working days for promised completion dates: real State Council data, pushed year files, and the
Monday-Friday fallback that marks a date provisional."""
from __future__ import annotations

import copy
import json
from datetime import date, datetime, timedelta
from pathlib import Path

import chinese_calendar
import pytest
from hypothesis import given
from hypothesis import strategies as st

from flows.workdays import (
    CalendarError,
    Deadline,
    WorkCalendar,
    YearSchedule,
    load_year_file,
    parse_year,
)

PACKAGE = WorkCalendar.load()                       # chinesecalendar 1.11.0: 2004-2026
NO_DATA = WorkCalendar.from_schedules()
LAST_PACKAGE_YEAR = max(d.year for d in chinese_calendar.holidays)

# A made-up 2027 (the real one was not published when this was written): 1-5 January off, Saturday
# 9 January worked.
FICTIONAL_2027 = {
    "year": 2027,
    "version": "test-2027.1",
    "source": "test fixture: a made-up schedule, not the State Council's",
    "holidays": [{"name": "测试假日", "name_en": "Test holiday",
                  "dates": ["2027-01-01", "2027-01-02", "2027-01-03", "2027-01-04", "2027-01-05"]}],
    "workdays": ["2027-01-09"],
}

DATES = st.dates(date(2020, 1, 1), date(2029, 12, 31))
DAYS = st.integers(0, 60)


def write_year(directory: Path, data: dict, name: str | None = None) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / (name or f"{data['year']}.json")
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def oracle_is_workday(d: date) -> bool:
    """The package's own answer where it has data, Monday-Friday elsewhere: independent of WorkCalendar."""
    try:
        return chinese_calendar.is_workday(d)
    except NotImplementedError:
        return d.weekday() < 5


def oracle_add(start: date, days: int, is_workday=oracle_is_workday) -> date:
    d = start
    while days:
        d += timedelta(days=1)
        days -= is_workday(d)
    return d


def days_in(a: date, b: date):
    """Every day in (a, b]."""
    return (a + timedelta(days=n) for n in range(1, (b - a).days + 1))


# --- real data from the package ----------------------------------------------------------------------

def test_spring_festival_2026_as_published():
    assert chinese_calendar.workdays[date(2026, 2, 14)]     # checked against the package, not assumed
    assert PACKAGE.is_workday(date(2026, 2, 14))            # Saturday worked
    assert PACKAGE.is_workday(date(2026, 2, 28))            # Saturday worked
    assert not any(PACKAGE.is_workday(date(2026, 2, day)) for day in range(15, 24))
    assert PACKAGE.holiday_name(date(2026, 2, 17)) == "春节"
    assert PACKAGE.holiday_name(date(2026, 2, 17), english=True) == "Spring Festival"
    assert PACKAGE.holiday_name(date(2026, 2, 14)) is None
    assert PACKAGE.add_working_days(date(2026, 2, 13), 1) == Deadline(date(2026, 2, 14), False, ())
    assert PACKAGE.add_working_days(date(2026, 2, 14), 1).date == date(2026, 2, 24)


def test_national_day_2025_as_published():
    assert not any(PACKAGE.is_workday(date(2025, 10, day)) for day in range(1, 9))
    assert PACKAGE.is_workday(date(2025, 9, 28))            # Sunday worked
    assert PACKAGE.is_workday(date(2025, 10, 11))           # Saturday worked
    assert not PACKAGE.is_workday(date(2025, 10, 12))       # an ordinary Sunday
    assert PACKAGE.holiday_name(date(2025, 10, 1)) == "国庆节"
    assert PACKAGE.holiday_name(date(2025, 10, 6)) == "中秋"
    assert PACKAGE.add_working_days(date(2025, 9, 26), 1).date == date(2025, 9, 28)
    assert PACKAGE.add_working_days(date(2025, 9, 30), 1).date == date(2025, 10, 9)
    assert PACKAGE.add_working_days(date(2025, 9, 30), 3).date == date(2025, 10, 11)
    assert PACKAGE.working_days_between(date(2025, 9, 30), date(2025, 10, 8)) == 0


def test_every_package_day_agrees_with_the_package():
    first = min(d.year for d in chinese_calendar.holidays)
    assert all(PACKAGE.covers(year) for year in range(first, LAST_PACKAGE_YEAR + 1))
    assert not PACKAGE.covers(LAST_PACKAGE_YEAR + 1)
    day = date(first, 1, 1)
    while day.year <= LAST_PACKAGE_YEAR:
        assert PACKAGE.is_workday(day) == chinese_calendar.is_workday(day), day
        day += timedelta(days=1)


def test_versions_say_where_each_year_comes_from():
    versions = PACKAGE.versions()
    assert versions[2026] == f"chinesecalendar-{chinese_calendar.__version__}"
    assert 2027 not in versions
    assert "chinesecalendar" in PACKAGE.schedule(2026).source


# --- the counting convention ---------------------------------------------------------------------------

def test_the_start_day_is_not_counted():
    monday = date(2025, 11, 3)
    assert PACKAGE.add_working_days(monday, 1).date == date(2025, 11, 4)
    assert PACKAGE.add_working_days(monday, 5).date == date(2025, 11, 10)
    assert PACKAGE.working_days_between(monday, monday) == 0
    assert PACKAGE.working_days_between(monday, date(2025, 11, 10)) == 5
    assert PACKAGE.working_days_between(date(2025, 11, 10), monday) == -5


def test_zero_days_is_the_start_day_itself_and_never_provisional():
    saturday = date(2025, 11, 1)
    assert PACKAGE.add_working_days(saturday, 0) == Deadline(saturday, False, ())
    assert NO_DATA.add_working_days(date(2030, 6, 1), 0) == Deadline(date(2030, 6, 1), False, ())


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError):
        PACKAGE.add_working_days(date(2025, 11, 3), -1)
    with pytest.raises(TypeError):
        PACKAGE.add_working_days(date(2025, 11, 3), 2.5)
    with pytest.raises(TypeError):
        PACKAGE.is_workday("2025-11-03")


def test_a_datetime_counts_as_its_day():
    assert PACKAGE.is_workday(datetime(2026, 2, 14, 16, 30))
    assert PACKAGE.holiday_name(datetime(2026, 2, 17, 9)) == "春节"
    assert PACKAGE.add_working_days(datetime(2025, 9, 30, 23, 59), 1).date == date(2025, 10, 9)


# --- uncovered years, pushed updates, layers -----------------------------------------------------------

def test_a_limit_running_into_an_unpublished_year_is_provisional():
    deadline = PACKAGE.add_working_days(date(2026, 12, 10), 24)
    # 15 working days left in December 2026, then Monday-Friday: 1, 4-8, 11, 12, 13 January 2027.
    assert deadline == Deadline(date(2027, 1, 13), True, (2027,))
    assert PACKAGE.add_working_days(date(2026, 12, 10), 15) == Deadline(date(2026, 12, 31), False, ())


def test_a_pushed_year_file_makes_it_final_and_is_honoured(kiosk_home):
    write_year(kiosk_home / "calendar", FICTIONAL_2027)
    calendar = WorkCalendar.load([kiosk_home / "calendar"])
    # 15 in December; 1-5 January off; 6, 7, 8, Saturday 9, 11, 12, 13, 14, 15 January.
    assert calendar.add_working_days(date(2026, 12, 10), 24) == Deadline(date(2027, 1, 15), False, ())
    assert calendar.is_workday(date(2027, 1, 9))
    assert not calendar.is_workday(date(2027, 1, 4))
    assert calendar.holiday_name(date(2027, 1, 4)) == "测试假日"
    assert calendar.versions()[2027] == "test-2027.1"
    assert calendar.versions()[2026] == PACKAGE.versions()[2026]


def test_a_later_layer_replaces_a_whole_year(tmp_path):
    shipped, pushed = tmp_path / "shipped", tmp_path / "pushed"
    bare_2026 = {"year": 2026, "version": "v-bare", "source": "test", "holidays": [], "workdays": []}
    write_year(shipped, bare_2026)
    write_year(shipped, FICTIONAL_2027)
    write_year(pushed, {**FICTIONAL_2027, "version": "test-2027.2", "workdays": []})
    calendar = WorkCalendar.load([shipped, pushed])
    assert calendar.is_workday(date(2026, 10, 1))           # the package's National Day is gone
    assert not calendar.is_workday(date(2026, 2, 14))       # and so is its worked Saturday
    assert calendar.holiday_name(date(2026, 10, 1)) is None
    assert not calendar.is_workday(date(2027, 1, 9))        # the pushed 2027 replaced the shipped one
    assert calendar.versions()[2026] == "v-bare" and calendar.versions()[2027] == "test-2027.2"


def test_missing_directories_and_other_files_are_ignored(tmp_path):
    (tmp_path / "README.md").write_text("notes", encoding="utf-8")
    (tmp_path / "2027.json.part").write_text("{", encoding="utf-8")
    calendar = WorkCalendar.load([tmp_path, tmp_path / "absent"])
    assert calendar.versions() == PACKAGE.versions()


def test_without_the_package_only_files_count(tmp_path):
    write_year(tmp_path, FICTIONAL_2027)
    calendar = WorkCalendar.load([tmp_path], use_package=False)
    assert calendar.versions() == {2027: "test-2027.1"}
    assert calendar.is_workday(date(2026, 10, 1))
    # Only (start, result] matters: starting on the last day of an uncovered year is not provisional.
    assert calendar.add_working_days(date(2026, 12, 31), 3) == Deadline(date(2027, 1, 8), False, ())
    assert calendar.add_working_days(date(2026, 12, 30), 1) == Deadline(date(2026, 12, 31), True, (2026,))


def test_a_bad_pushed_file_is_refused_or_reported_and_skipped(tmp_path):
    good, bad = tmp_path / "shipped", tmp_path / "pushed"
    write_year(good, FICTIONAL_2027)
    path = write_year(bad, {**FICTIONAL_2027, "workdays": ["2027-02-10"]})
    with pytest.raises(CalendarError) as refused:
        WorkCalendar.load([good, bad])
    assert str(refused.value) == f"{path}: workdays: 2027-02-10 is a Wednesday, not a weekend day"
    reported: list[CalendarError] = []
    calendar = WorkCalendar.load([good, bad], on_error=reported.append)
    assert [e.origin for e in reported] == [str(path)]
    assert calendar.versions()[2027] == "test-2027.1"       # the earlier layer stays in force


# --- update-file rules -----------------------------------------------------------------------------------

def broken(change):
    data = copy.deepcopy(FICTIONAL_2027)
    change(data)
    return data


RULE_BREAKS = [
    (lambda d: d.update(workdays=["2027-02-10"]),
     "workdays: 2027-02-10 is a Wednesday, not a weekend day"),
    (lambda d: d.update(workdays=["2028-01-01"]), "workdays: 2028-01-01 is not in 2027"),
    (lambda d: d["holidays"][0]["dates"].append("2026-12-31"),
     "holidays: 2026-12-31 (测试假日) is not in 2027"),
    (lambda d: d.update(workdays=["2027-01-02"]), "workdays: 2027-01-02 is also a holiday (测试假日)"),
    (lambda d: d["holidays"].append({"name": "重复", "dates": ["2027-01-03"]}),
     "holidays: 2027-01-03 is listed twice (测试假日, 重复)"),
    (lambda d: d["holidays"][0]["dates"].append("2027-01-01"),
     "holidays: 2027-01-01 is listed twice (测试假日, 测试假日)"),
    (lambda d: d.update(workdays=["2027-01-09", "2027-01-09"]), "workdays: 2027-01-09 is listed twice"),
    (lambda d: d["holidays"][0].update(name=" "), "holidays[0]: name must be non-empty text"),
    (lambda d: d["holidays"][0].update(name_en=""), "holidays[0] (测试假日): name_en must be non-empty text"),
    (lambda d: d["holidays"][0].update(dates=[]), "holidays[0] (测试假日): dates must be a non-empty list"),
    (lambda d: d["holidays"][0].update(dates=["2027-02-30"]),
     "holidays[0] (测试假日): '2027-02-30' is not a date (YYYY-MM-DD)"),
    (lambda d: d.update(workdays=["20270109"]), "workdays: '20270109' is not a date (YYYY-MM-DD)"),
    (lambda d: d.pop("workdays"), "missing key 'workdays'"),
    (lambda d: d.update(workday=[]), "unknown key 'workday'"),
    (lambda d: d.update(year="2027"), "year: '2027' is not a year"),
    (lambda d: d.update(version=""), "version: must be non-empty text"),
    (lambda d: d.update(source=None), "source: must be non-empty text"),
    (lambda d: d.update(holidays={}), "holidays: must be a list"),
]


@pytest.mark.parametrize(("change", "problem"), RULE_BREAKS)
def test_each_rule_break_names_the_file_and_the_problem(tmp_path, change, problem):
    path = write_year(tmp_path, broken(change), name="2027.json")
    with pytest.raises(CalendarError) as error:
        load_year_file(path)
    assert error.value.problem == problem
    assert str(error.value) == f"{path}: {problem}"
    with pytest.raises(CalendarError, match="2027.json"):
        WorkCalendar.load([tmp_path])
    with pytest.raises(ValueError) as parsed:
        parse_year(broken(change), "pushed 2027")
    assert str(parsed.value) == f"pushed 2027: {problem}"


def test_the_file_name_must_match_the_year(tmp_path):
    path = write_year(tmp_path, FICTIONAL_2027, name="2028.json")
    with pytest.raises(CalendarError, match="2028.json: year: 2027 in a file named for 2028"):
        load_year_file(path)


@pytest.mark.parametrize(("text", "problem"), [
    ('{"year": 2027,', "not JSON"),
    ('{"year": 2027, "year": 2027}', "key 'year' appears twice"),
    ("[]", "expected a JSON object"),
])
def test_unreadable_files_name_the_file(tmp_path, text, problem):
    path = tmp_path / "2027.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CalendarError, match=problem) as error:
        load_year_file(path)
    assert error.value.origin == str(path)


def test_a_schedule_built_in_code_obeys_the_same_rules():
    with pytest.raises(ValueError, match="2027-02-10 is a Wednesday"):
        YearSchedule(2027, frozenset(), frozenset({date(2027, 2, 10)}), {}, "test", "v")
    with pytest.raises(ValueError, match="has no name"):
        YearSchedule(2027, frozenset({date(2027, 2, 10)}), frozenset(), {}, "test", "v")


# --- properties -------------------------------------------------------------------------------------------

@given(DATES, DAYS)
def test_the_result_is_the_days_th_working_day_after_start(start, days):
    deadline = PACKAGE.add_working_days(start, days)
    assert deadline.date == oracle_add(start, days)
    assert PACKAGE.working_days_between(start, deadline.date) == days
    assert sum(map(oracle_is_workday, days_in(start, deadline.date))) == days
    if days:
        assert deadline.date > start and PACKAGE.is_workday(deadline.date)


@given(DATES, DAYS, DAYS)
def test_more_days_never_give_an_earlier_date(start, a, b):
    low, high = sorted((a, b))
    assert PACKAGE.add_working_days(start, low).date <= PACKAGE.add_working_days(start, high).date
    if low < high:
        assert PACKAGE.add_working_days(start, low).date < PACKAGE.add_working_days(start, high).date


@given(DATES, DAYS, DAYS)
def test_adding_a_then_b_is_adding_a_plus_b(start, a, b):
    # Holds for every a >= 0: for a > 0 the intermediate date is a working day already counted, and
    # a == 0 returns start unchanged. (Starting from a non-working day and *subtracting* would not.)
    first = PACKAGE.add_working_days(start, a)
    then = PACKAGE.add_working_days(first.date, b)
    at_once = PACKAGE.add_working_days(start, a + b)
    assert then.date == at_once.date
    assert at_once.provisional == (first.provisional or then.provisional)
    assert set(at_once.uncovered_years) == set(first.uncovered_years) | set(then.uncovered_years)


@given(DATES, DAYS)
def test_provisional_exactly_when_an_uncovered_year_is_touched(start, days):
    deadline = PACKAGE.add_working_days(start, days)
    touched = {d.year for d in days_in(start, deadline.date)}
    uncovered = tuple(sorted(y for y in touched if y > LAST_PACKAGE_YEAR))
    assert deadline.uncovered_years == uncovered
    assert deadline.provisional == bool(uncovered)


@given(DATES, DAYS)
def test_without_any_data_it_is_monday_to_friday(start, days):
    deadline = NO_DATA.add_working_days(start, days)
    assert deadline.date == oracle_add(start, days, lambda d: d.weekday() < 5)
    assert deadline.provisional == (days > 0)


@given(DATES, DATES, DATES)
def test_counting_between_dates_adds_up(a, b, c):
    assert PACKAGE.working_days_between(a, b) == -PACKAGE.working_days_between(b, a)
    assert (PACKAGE.working_days_between(a, b) + PACKAGE.working_days_between(b, c)
            == PACKAGE.working_days_between(a, c))


@given(DATES, st.integers(0, 90))
def test_adding_the_count_between_lands_on_the_last_working_day(start, span):
    end = start + timedelta(days=span)
    landed = PACKAGE.add_working_days(start, PACKAGE.working_days_between(start, end)).date
    working = [d for d in days_in(start, end) if oracle_is_workday(d)]
    assert landed == (working[-1] if working else start)


@st.composite
def fictional_years(draw):
    """Any valid schedule for 2027: some days off, some other weekend days worked."""
    days = [date(2027, 1, 1) + timedelta(days=n) for n in range(365)]
    off = draw(st.sets(st.sampled_from(days), max_size=40))
    weekend = [d for d in days if d.weekday() >= 5 and d not in off]
    worked = draw(st.sets(st.sampled_from(weekend), max_size=10))
    return off, worked


@given(fictional_years(), st.dates(date(2027, 1, 1), date(2027, 12, 31)))
def test_a_valid_year_file_is_honoured_day_for_day(year, day):
    off, worked = year
    data = {"year": 2027, "version": "v", "source": "test",
            "holidays": [{"name": "假", "dates": sorted(map(str, off))}] if off else [],
            "workdays": sorted(map(str, worked))}
    calendar = WorkCalendar.from_schedules(parse_year(data, "2027.json"))
    assert calendar.is_workday(day) == (day in worked or (day.weekday() < 5 and day not in off))
    assert calendar.holiday_name(day) == ("假" if day in off else None)
    assert calendar.holiday_name(day, english=True) == ("假" if day in off else None)
