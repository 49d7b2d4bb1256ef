"""Working days on mainland China's public-holiday calendar (国务院办公厅节假日安排), for promised dates.

A promised completion limit (承诺时限) is counted in working days, so the kiosk must know each year's
holidays and adjusted working weekends (调休上班). The State Council publishes the next year's schedule
in November/December, after firmware ships, so the calendar is layered data the platform can push:

1. the ``chinesecalendar`` package, for the years it knows (2004-2026 in 1.11.0);
2. ``NNNN.json`` year files from each directory the caller names, in order (``CALENDAR_DIR`` shipped
   with the code, then ``$KIOSK_HOME/calendar`` where the platform pushes updates).

A later layer replaces a whole year of an earlier one: a year's holidays and its worked weekends only
make sense together. A year no layer covers is counted Monday-Friday, and a deadline that reaches into
it is marked provisional instead of refused: the citizen still gets a date, flagged as one that may move.
The file format and its rules are in assets/calendar/README.md.
"""
from __future__ import annotations

import json
import operator
import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import NoReturn

CALENDAR_DIR = Path(__file__).resolve().parent.parent / "assets" / "calendar"
YEAR_FILE = re.compile(r"^(\d{4})\.json$")

_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_KEYS = frozenset({"year", "version", "source", "holidays", "workdays"})
_HOLIDAY_KEYS = frozenset({"name", "name_en", "dates"})


class CalendarError(ValueError):
    """A calendar year that must not be used. ``str()`` is ``"<origin>: <problem>"`` so a technician
    reading the log knows which file to fix and how."""

    def __init__(self, origin: str, problem: str) -> None:
        super().__init__(f"{origin}: {problem}")
        self.origin = origin
        self.problem = problem


@dataclass(frozen=True)
class YearSchedule:
    """One calendar year of the State Council schedule.

    ``holidays`` holds every rest day the notice declares, weekend days included, so a holiday never
    depends on the weekday rule; ``workdays`` are the weekend days worked instead (调休上班).
    ``names``/``names_en`` map each holiday date to its name (春节 / Spring Festival).
    Constructing one checks the same rules as an update file (ValueError with the problem).
    """

    year: int
    holidays: frozenset[date]
    workdays: frozenset[date]
    names: Mapping[date, str] = field(hash=False)
    source: str
    version: str
    names_en: Mapping[date, str] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        object.__setattr__(self, "workdays", frozenset(self.workdays))
        object.__setattr__(self, "names", MappingProxyType(dict(self.names)))
        object.__setattr__(self, "names_en", MappingProxyType(dict(self.names_en)))
        problem = _schedule_problem(self)
        if problem:
            raise ValueError(problem)


@dataclass(frozen=True)
class Deadline:
    """A promised date. ``provisional``: a year in (start, date] had no published schedule and was
    counted Monday-Friday (``uncovered_years``), so the date may move once that year arrives."""

    date: date
    provisional: bool
    uncovered_years: tuple[int, ...] = ()


def _schedule_problem(s: YearSchedule) -> str | None:
    """The first broken rule of a schedule, worded for the file's author, or None."""
    for d in sorted(s.holidays):
        if d.year != s.year:
            return f"holidays: {d} ({s.names.get(d, '?')}) is not in {s.year}"
        if not str(s.names.get(d, "")).strip():
            return f"holidays: {d} has no name"
    for d in sorted(s.workdays):
        if d.year != s.year:
            return f"workdays: {d} is not in {s.year}"
        if d.weekday() < 5:
            return f"workdays: {d} is a {_WEEKDAYS[d.weekday()]}, not a weekend day"
        if d in s.holidays:
            return f"workdays: {d} is also a holiday ({s.names[d]})"
    stray = sorted(set(s.names) - s.holidays) or sorted(set(s.names_en) - s.holidays)
    if stray:
        return f"names: {stray[0]} is not a holiday"
    return None


def parse_year(data: object, origin: str) -> YearSchedule:
    """Validate one year's update (the JSON documented in assets/calendar/README.md).

    Raises CalendarError(origin, problem) at the first problem; nothing partial is ever returned.
    """
    def fail(problem: str) -> NoReturn:
        raise CalendarError(origin, problem)

    if not isinstance(data, dict):
        fail("expected a JSON object")
    if missing := sorted(_KEYS - data.keys()):
        fail(f"missing key {missing[0]!r}")
    if unknown := sorted(data.keys() - _KEYS):
        fail(f"unknown key {unknown[0]!r}")
    year = data["year"]
    if type(year) is not int or not 1 <= year <= 9999:
        fail(f"year: {year!r} is not a year")
    version, source = _text(data, "version", fail), _text(data, "source", fail)
    names, names_en = _holidays(data["holidays"], fail)
    workdays = _workdays(data["workdays"], fail)
    try:
        return YearSchedule(year, frozenset(names), workdays, names, source, version, names_en)
    except ValueError as exc:
        fail(str(exc))


def _text(data: dict, key: str, fail: Callable[[str], NoReturn]) -> str:
    value = data[key]
    if not isinstance(value, str) or not value.strip():
        fail(f"{key}: must be non-empty text")
    return value


def _date(value: object, where: str, fail: Callable[[str], NoReturn]) -> date:
    if isinstance(value, str) and _ISO_DATE.match(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    fail(f"{where}: {value!r} is not a date (YYYY-MM-DD)")


def _holidays(entries: object, fail: Callable[[str], NoReturn]) -> tuple[dict[date, str], dict[date, str]]:
    """Each entry's dates, as date -> name and date -> English name; a date may appear only once."""
    if not isinstance(entries, list):
        fail("holidays: must be a list")
    names: dict[date, str] = {}
    names_en: dict[date, str] = {}
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict):
            fail(f"holidays[{i}]: must be an object")
        if unknown := sorted(entry.keys() - _HOLIDAY_KEYS):
            fail(f"holidays[{i}]: unknown key {unknown[0]!r}")
        name, name_en = entry.get("name"), entry.get("name_en", entry.get("name"))
        if not isinstance(name, str) or not name.strip():
            fail(f"holidays[{i}]: name must be non-empty text")
        if not isinstance(name_en, str) or not name_en.strip():
            fail(f"holidays[{i}] ({name}): name_en must be non-empty text")
        dates = entry.get("dates")
        if not isinstance(dates, list) or not dates:
            fail(f"holidays[{i}] ({name}): dates must be a non-empty list")
        for value in dates:
            d = _date(value, f"holidays[{i}] ({name})", fail)
            if d in names:
                fail(f"holidays: {d} is listed twice ({names[d]}, {name})")
            names[d], names_en[d] = name, name_en
    return names, names_en


def _workdays(values: object, fail: Callable[[str], NoReturn]) -> frozenset[date]:
    if not isinstance(values, list):
        fail("workdays: must be a list")
    seen: set[date] = set()
    for value in values:
        d = _date(value, "workdays", fail)
        if d in seen:
            fail(f"workdays: {d} is listed twice")
        seen.add(d)
    return frozenset(seen)


def _unique_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    """json object hook: a key given twice is an editing mistake, not "the last one wins"."""
    result: dict[str, object] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"key {key!r} appears twice in one object")
        result[key] = value
    return result


def load_year_file(path: Path) -> YearSchedule:
    """Read and validate one update file. The platform's push check and the kiosk share these rules;
    a file named ``NNNN.json`` must hold year NNNN."""
    origin = str(path)
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"), object_pairs_hook=_unique_keys)
    except OSError as exc:
        raise CalendarError(origin, f"cannot read: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise CalendarError(origin, "not UTF-8 text") from exc
    except json.JSONDecodeError as exc:
        raise CalendarError(origin, f"not JSON: {exc.msg} (line {exc.lineno} column {exc.colno})") from exc
    except ValueError as exc:
        raise CalendarError(origin, f"not usable JSON: {exc}") from exc
    schedule = parse_year(data, origin)
    named = YEAR_FILE.match(Path(path).name)
    if named and int(named[1]) != schedule.year:
        raise CalendarError(origin, f"year: {schedule.year} in a file named for {named[1]}")
    return schedule


def package_schedules() -> dict[int, YearSchedule]:
    """The years the installed ``chinesecalendar`` knows, derived from its holidays/workdays tables
    (a worked weekend belongs to the calendar year it falls in, e.g. 2018-12-29 for New Year 2019)."""
    import chinese_calendar
    from chinese_calendar.constants import Holiday

    chinese = {h.value: h.chinese for h in Holiday}
    holidays: dict[int, dict[date, str]] = {}
    workdays: dict[int, set[date]] = {}
    for d, name in chinese_calendar.holidays.items():
        holidays.setdefault(d.year, {})[d] = name
        workdays.setdefault(d.year, set())
    for d in chinese_calendar.workdays:
        workdays.setdefault(d.year, set()).add(d)
        holidays.setdefault(d.year, {})
    version = f"chinesecalendar-{chinese_calendar.__version__}"
    return {
        year: YearSchedule(
            year=year,
            holidays=frozenset(holidays[year]),
            workdays=frozenset(workdays[year]),
            names={d: chinese.get(n, n) for d, n in holidays[year].items()},
            source=f"chinesecalendar {chinese_calendar.__version__} (国务院办公厅 notices)",
            version=version,
            names_en=holidays[year],
        )
        for year in sorted(holidays)
    }


def _read_dir(directory: Path, on_error: Callable[[CalendarError], None] | None) -> list[YearSchedule]:
    """Every valid ``NNNN.json`` in a directory, by name; a missing directory is simply an empty layer."""
    if not directory.is_dir():
        return []
    schedules = []
    for path in sorted(p for p in directory.iterdir() if YEAR_FILE.match(p.name)):
        try:
            schedules.append(load_year_file(path))
        except CalendarError as exc:
            if on_error is None:
                raise
            on_error(exc)
    return schedules


def _as_date(d: date) -> date:
    """A datetime is not equal to its date in Python, so normalise before any set lookup."""
    if isinstance(d, datetime):
        return d.date()
    if not isinstance(d, date):
        raise TypeError(f"expected a date, got {type(d).__name__}")
    return d


class WorkCalendar:
    """Working days from layered year schedules; a year without a schedule counts Monday-Friday.

    Counting convention (《民法典》第二百零一条: 期间开始的当日不计入): the start day itself is never
    counted, whatever time of day the application was made. Each year's working days are indexed once
    (sorted ordinals), so counting is a binary search, not a day-by-day walk.
    """

    def __init__(self, schedules: Mapping[int, YearSchedule]) -> None:
        self._years = dict(schedules)
        self._index: dict[int, tuple[int, ...]] = {}

    @classmethod
    def from_schedules(cls, *schedules: YearSchedule) -> WorkCalendar:
        """Layers in order: a later schedule replaces an earlier one for the same year."""
        return cls({s.year: s for s in schedules})

    @classmethod
    def load(
        cls,
        dirs: Iterable[Path | str] = (),
        use_package: bool = True,
        on_error: Callable[[CalendarError], None] | None = None,
    ) -> WorkCalendar:
        """The package's years, then each directory's ``NNNN.json`` files in order (later wins).

        A bad file raises CalendarError; with ``on_error`` it is reported there and skipped instead,
        so the earlier layer's data for that year (or Monday-Friday) stays in force.
        """
        schedules = list(package_schedules().values()) if use_package else []
        for directory in dirs:
            schedules.extend(_read_dir(Path(directory), on_error))
        return cls.from_schedules(*schedules)

    def covers(self, year: int) -> bool:
        return year in self._years

    def schedule(self, year: int) -> YearSchedule | None:
        return self._years.get(year)

    def versions(self) -> dict[int, str]:
        """Year -> version of the data in force, for the platform to see what this kiosk counts with."""
        return {year: self._years[year].version for year in sorted(self._years)}

    def is_workday(self, d: date) -> bool:
        d = _as_date(d)
        s = self._years.get(d.year)
        if s is None:
            return d.weekday() < 5
        return d in s.workdays or (d.weekday() < 5 and d not in s.holidays)

    def holiday_name(self, d: date, english: bool = False) -> str | None:
        """The holiday a date belongs to (春节), or None for an ordinary or uncovered day."""
        d = _as_date(d)
        s = self._years.get(d.year)
        if s is None:
            return None
        return (s.names_en if english else s.names).get(d)

    def add_working_days(self, start: date, days: int) -> Deadline:
        """The ``days``-th working day strictly after ``start`` (the start day is not counted, even if
        it is a working day). ``days == 0`` (即办) is ``start`` itself, never provisional: no day was
        counted, so no later schedule can move it. ``provisional`` is true when a year in
        (start, result] has no schedule and was counted Monday-Friday.
        """
        start, days = _as_date(start), operator.index(days)
        if days < 0:
            raise ValueError(f"days must be 0 or more, not {days}")
        if days == 0:
            return Deadline(start, False, ())
        year, left = start.year, days
        index = self._working(year)
        pos = bisect_right(index, start.toordinal())
        while left > len(index) - pos:
            left -= len(index) - pos
            year += 1
            index, pos = self._working(year), 0
        end = date.fromordinal(index[pos + left - 1])
        first = (start + timedelta(days=1)).year
        uncovered = tuple(y for y in range(first, end.year + 1) if y not in self._years)
        return Deadline(end, bool(uncovered), uncovered)

    def working_days_between(self, a: date, b: date) -> int:
        """Working days in (a, b]: 0 when a == b, negative (-(working days in (b, a])) when b < a, so
        ``working_days_between(promised, today)`` > 0 means overdue by that many working days."""
        a, b = _as_date(a), _as_date(b)
        if b < a:
            return -self.working_days_between(b, a)
        full_years = sum(len(self._working(year)) for year in range(a.year, b.year))
        return (full_years + bisect_right(self._working(b.year), b.toordinal())
                - bisect_right(self._working(a.year), a.toordinal()))

    def _working(self, year: int) -> tuple[int, ...]:
        """The year's working days as ascending ordinals, built once per year on first use."""
        index = self._index.get(year)
        if index is None:
            first = date(year, 1, 1).toordinal()
            days = (date.fromordinal(o) for o in range(first, date(year, 12, 31).toordinal() + 1))
            index = tuple(d.toordinal() for d in days if self.is_workday(d))
            self._index[year] = index
        return index
