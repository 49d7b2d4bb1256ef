"""Where an application stands after submission (办理进度反馈), and how it got there (留痕).

A ``Progress`` is an immutable record: every ``advance`` returns a new object whose history has one
more event, so the object the kiosk shows, the SMS it sends and the record the platform archives
(电子监察) can never disagree about the past. The whole history is re-checked on construction, so a
record read back with ``from_dict`` obeys the same rules as one built step by step.

Stages and transitions::

    accepted -> under_review -> decided(approved|rejected) -> result_ready -> collected
                   ^   |                                          |             ^
                   |   v                                          v             |
              needs_correction                                  mailed ---------+

Decisions taken here:

* A decision is final: its outcome never changes and nothing leads back to review. A rejection
  still has a result to hand over, the written 不予许可决定书, which must state the reasons and the
  right to 行政复议/行政诉讼 and must be served: it goes out through the same window or free mail as
  a licence (统一窗口出件), and the time to appeal runs from service. So ``decided`` leads to
  ``result_ready`` for both outcomes, and only ``collected`` is final (``is_final``). ``is_decided``
  tells whether the outcome is known.
* Time never runs backwards: an event earlier than the last one is refused; the same instant is
  allowed, because 即办 services are accepted, reviewed and decided at once. Naive and aware
  datetimes may not be mixed in one history.
* Notes and actors are stored as given. Keeping personal data out of them (use a staff number, not a
  name; ``flows.masking`` for anything shown) is the caller's job.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from itertools import pairwise
from typing import Any, NamedTuple


class Stage(str, Enum):
    ACCEPTED = "accepted"
    UNDER_REVIEW = "under_review"
    NEEDS_CORRECTION = "needs_correction"
    DECIDED = "decided"
    RESULT_READY = "result_ready"
    MAILED = "mailed"
    COLLECTED = "collected"

    @property
    def zh(self) -> str:
        return STAGE_LABELS[self].zh

    @property
    def en(self) -> str:
        return STAGE_LABELS[self].en


class Outcome(str, Enum):
    APPROVED = "approved"
    REJECTED = "rejected"

    @property
    def zh(self) -> str:
        return OUTCOME_LABELS[self][0]

    @property
    def en(self) -> str:
        return OUTCOME_LABELS[self][1]


class StageLabel(NamedTuple):
    zh: str
    en: str
    explain_zh: str     # plain language for the citizen on screen and in the SMS
    explain_en: str


STAGE_LABELS: dict[Stage, StageLabel] = {
    Stage.ACCEPTED: StageLabel(
        "已受理", "Accepted",
        "您的申请已受理，正在转交审批部门，办理时限从受理之日起计算。",
        "Your application has been accepted and is on its way to the approving department; "
        "the time limit counts from the day of acceptance."),
    Stage.UNDER_REVIEW: StageLabel(
        "审查中", "Under review",
        "审批部门正在审查您的申请，无需您做任何事，有结果会短信通知您。",
        "The department is reviewing your application. Nothing is needed from you; "
        "we will send an SMS when there is news."),
    Stage.NEEDS_CORRECTION: StageLabel(
        "需补正", "Needs correction",
        "材料需要补正，请按通知补齐后再提交；补正通知一次列明了全部问题。",
        "Some materials need correcting. Please supply everything listed in the notice, then submit "
        "again; the notice lists every gap at once."),
    Stage.DECIDED: StageLabel(
        "已办结", "Decided",
        "您的申请已办结，审批结果已作出。",
        "A decision has been made on your application."),
    Stage.RESULT_READY: StageLabel(
        "待领取", "Result ready",
        "办理结果已出，请凭受理回执到出件窗口或自助终端领取，也可选择免费邮寄。",
        "The result is ready. Collect it at the pickup window or a kiosk with your receipt, "
        "or have it mailed free of charge."),
    Stage.MAILED: StageLabel(
        "已寄出", "Mailed",
        "办理结果已免费寄出，请留意快递信息并本人签收。",
        "The result has been mailed free of charge; please watch for the delivery and sign for it."),
    Stage.COLLECTED: StageLabel(
        "已领取", "Collected",
        "办理结果已领取（或已签收），本次办理完成。",
        "The result has been collected (or signed for). This application is complete."),
}

OUTCOME_LABELS: dict[Outcome, tuple[str, str]] = {
    Outcome.APPROVED: ("准予办理", "approved"),
    Outcome.REJECTED: ("不予办理", "rejected"),
}

# What the citizen reads at ``decided``, by outcome: a rejection must point to the written reasons and
# the remedies, never just "rejected".
DECIDED_EXPLANATIONS: dict[Outcome, tuple[str, str]] = {
    Outcome.APPROVED: (
        "您的申请已获批准，正在制作办理结果，完成后会短信通知您领取。",
        ("Your application has been approved. The result is being prepared; we will send an SMS when "
         "it is ready.")),
    Outcome.REJECTED: (
        ("您的申请未获批准。不予办理决定书写明了理由，将通知您领取或寄送给您；如有异议，可依法申请"
         "行政复议或提起行政诉讼。"),
        ("Your application was not approved. The written decision states the reasons and will be "
         "handed or mailed to you; if you disagree you may apply for administrative reconsideration "
         "or bring an administrative lawsuit.")),
}

# After a rejection the thing to collect is the decision notice, not a licence.
REJECTED_RESULT_EXPLANATION = (
    "不予办理决定书已出，请到出件窗口领取，也可选择免费邮寄。",
    "The written decision is ready. Collect it at the pickup window or have it mailed free of charge.",
)

# Outcome-independent: see the module docstring for why a rejection also reaches result_ready.
TRANSITIONS: dict[Stage, frozenset[Stage]] = {
    Stage.ACCEPTED: frozenset({Stage.UNDER_REVIEW}),
    Stage.UNDER_REVIEW: frozenset({Stage.NEEDS_CORRECTION, Stage.DECIDED}),
    Stage.NEEDS_CORRECTION: frozenset({Stage.UNDER_REVIEW}),
    Stage.DECIDED: frozenset({Stage.RESULT_READY}),
    Stage.RESULT_READY: frozenset({Stage.MAILED, Stage.COLLECTED}),
    Stage.MAILED: frozenset({Stage.COLLECTED}),
    Stage.COLLECTED: frozenset(),
}


def explain(stage: Stage | str, outcome: Outcome | str | None = None) -> tuple[str, str]:
    """The (zh, en) plain-language explanation of a stage, worded for the outcome where it matters."""
    stage, outcome = _coerce(stage, outcome)
    if stage is Stage.DECIDED and outcome is not None:
        return DECIDED_EXPLANATIONS[outcome]
    if stage is Stage.RESULT_READY and outcome is Outcome.REJECTED:
        return REJECTED_RESULT_EXPLANATION
    label = STAGE_LABELS[stage]
    return label.explain_zh, label.explain_en


class ProgressError(ValueError):
    """A progress record that cannot exist. Carries a stable code and zh/en messages, never personal data."""

    code = "progress_error"

    def __init__(self, code: str, zh: str, en: str) -> None:
        self.code, self.zh, self.en = code, zh, en
        super().__init__(f"{zh} / {en}")

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "zh": self.zh, "en": self.en}


class TransitionError(ProgressError):
    """A step the workflow does not allow (wrong order, time running backwards, missing outcome)."""

    def __init__(self, code: str, zh: str, en: str,
                 from_stage: Stage | None = None, to_stage: Stage | None = None) -> None:
        self.from_stage, self.to_stage = from_stage, to_stage
        super().__init__(code, zh, en)


def _coerce(stage: Stage | str, outcome: Outcome | str | None) -> tuple[Stage, Outcome | None]:
    """Accept the plain strings JSON and callers use; hand back the enums."""
    try:
        return Stage(stage), (Outcome(outcome) if outcome is not None else None)
    except ValueError:
        raise TransitionError("unknown_value", "未知的办理状态或结果",
                              f"Unknown stage or outcome: {stage!r}, {outcome!r}") from None


@dataclass(frozen=True)
class ProgressEvent:
    """One recorded step. ``outcome`` is set on the ``decided`` event only, so the history alone
    tells the whole story (留痕)."""
    stage: Stage
    at: datetime
    note: str = ""
    actor: str = ""
    outcome: Outcome | None = None

    def __post_init__(self) -> None:
        stage, outcome = _coerce(self.stage, self.outcome)
        object.__setattr__(self, "stage", stage)
        object.__setattr__(self, "outcome", outcome)
        if not isinstance(self.at, datetime):
            raise ProgressError("bad_time", "记录时间无效", "A step needs a datetime")

    def to_dict(self) -> dict[str, Any]:
        return {
            "stage": self.stage.value,
            "at": self.at.isoformat(),
            "note": self.note,
            "actor": self.actor,
            "outcome": self.outcome.value if self.outcome else None,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ProgressEvent:
        try:
            return cls(
                stage=data["stage"],
                at=datetime.fromisoformat(data["at"]),
                note=str(data.get("note") or ""),
                actor=str(data.get("actor") or ""),
                outcome=data.get("outcome") or None,
            )
        except ProgressError:
            raise
        except (KeyError, TypeError, ValueError) as exc:
            raise ProgressError("bad_record", "进度记录格式有误", f"Malformed progress event ({exc})") from None


@dataclass(frozen=True)
class TimelineEntry:
    """One line of the progress screen, already worded in both languages."""
    stage: Stage
    at: datetime
    label_zh: str
    label_en: str
    explain_zh: str
    explain_en: str
    note: str
    actor: str
    current: bool

    @property
    def when(self) -> str:
        return self.at.strftime("%Y-%m-%d %H:%M")


def _check_step(previous: ProgressEvent, event: ProgressEvent) -> None:
    """Refuse a step the workflow does not allow; shared by ``advance`` and history validation."""
    if event.stage not in TRANSITIONS[previous.stage]:
        raise TransitionError(
            "transition_not_allowed",
            f"不能从“{previous.stage.zh}”变为“{event.stage.zh}”",
            f"Cannot go from '{previous.stage.en}' to '{event.stage.en}'",
            previous.stage, event.stage)
    if (previous.at.tzinfo is None) != (event.at.tzinfo is None):
        raise TransitionError(
            "timezone_mismatch", "时间格式不一致（有无时区混用）",
            "Timestamps mix naive and timezone-aware datetimes", previous.stage, event.stage)
    if event.at < previous.at:
        raise TransitionError(
            "time_reversed", "记录时间早于上一步，不能倒记",
            "A step cannot be recorded earlier than the one before it", previous.stage, event.stage)


def _check_outcome(event: ProgressEvent) -> None:
    if event.stage is Stage.DECIDED and event.outcome is None:
        raise TransitionError(
            "outcome_required", "办结时必须写明结果：准予或不予办理",
            "A decision needs an outcome: approved or rejected", to_stage=event.stage)
    if event.stage is not Stage.DECIDED and event.outcome is not None:
        raise TransitionError(
            "outcome_unexpected", "只有办结这一步才能记录审批结果",
            "Only the decision step records an outcome", to_stage=event.stage)


@dataclass(frozen=True)
class Progress:
    """An application's progress. Build with ``Progress.start``; move on with ``advance``."""
    application_number: str
    stage: Stage
    outcome: Outcome | None
    history: tuple[ProgressEvent, ...]

    def __post_init__(self) -> None:
        stage, outcome = _coerce(self.stage, self.outcome)
        object.__setattr__(self, "stage", stage)
        object.__setattr__(self, "outcome", outcome)
        object.__setattr__(self, "history", tuple(self.history))
        if not isinstance(self.application_number, str) or not self.application_number.strip():
            raise ProgressError("application_number_required", "缺少办件编号", "Application number is missing")
        if not self.history:
            raise ProgressError("empty_history", "进度记录为空", "Progress has no recorded steps")
        first = self.history[0]
        if first.stage is not Stage.ACCEPTED:
            raise TransitionError(
                "must_start_accepted", "办理进度必须从“已受理”开始",
                "Progress must start at 'accepted'", to_stage=first.stage)
        _check_outcome(first)
        for previous, event in pairwise(self.history):
            _check_step(previous, event)
            _check_outcome(event)
        if self.stage is not self.history[-1].stage:
            raise ProgressError("stage_mismatch", "当前状态与最后一条记录不符",
                                "Current stage does not match the last recorded step")
        decided = [e.outcome for e in self.history if e.stage is Stage.DECIDED]
        if self.outcome != (decided[0] if decided else None):
            raise ProgressError("outcome_mismatch", "审批结果与办结记录不符",
                                "Outcome does not match the decision step")

    @classmethod
    def start(cls, application_number: str, at: datetime, note: str = "", actor: str = "") -> Progress:
        """A freshly accepted application (受理): the first event of every history."""
        return cls(application_number, Stage.ACCEPTED, None,
                   (ProgressEvent(Stage.ACCEPTED, at, note, actor),))

    def advance(self, stage: Stage | str, at: datetime, note: str = "", actor: str = "",
                outcome: Outcome | str | None = None) -> Progress:
        """The same application one step further; ``self`` is left untouched.

        Raises ``TransitionError`` for a step out of order, a missing or misplaced outcome, or a time
        earlier than the last recorded step.
        """
        event = ProgressEvent(stage, at, note, actor, outcome)  # strings are coerced there
        _check_step(self.history[-1], event)
        _check_outcome(event)
        return Progress(self.application_number, event.stage,
                        event.outcome if event.stage is Stage.DECIDED else self.outcome,
                        self.history + (event,))

    @property
    def is_decided(self) -> bool:
        """The outcome is known (and can no longer change)."""
        return self.outcome is not None

    @property
    def is_final(self) -> bool:
        """No further step is possible."""
        return not TRANSITIONS[self.stage]

    @property
    def allowed_next(self) -> frozenset[Stage]:
        return TRANSITIONS[self.stage]

    @property
    def decided_at(self) -> datetime | None:
        return next((e.at for e in self.history if e.stage is Stage.DECIDED), None)

    @property
    def correction_rounds(self) -> int:
        """How many times materials were sent back. More than one means the one-time notice
        (一次性告知) failed, which 电子监察 wants to see."""
        return sum(1 for e in self.history if e.stage is Stage.NEEDS_CORRECTION)

    def correction_periods(self) -> tuple[tuple[datetime, datetime | None], ...]:
        """(start, end) of every wait for the citizen's correction; ``end`` is None while waiting.
        Local rules often stop the clock meanwhile, so the caller may extend the promised date."""
        periods: list[tuple[datetime, datetime | None]] = []
        start: datetime | None = None
        for event in self.history:
            if event.stage is Stage.NEEDS_CORRECTION:
                start = event.at
            elif start is not None:
                periods.append((start, event.at))
                start = None
        if start is not None:
            periods.append((start, None))
        return tuple(periods)

    def overdue(self, promised: date, today: date) -> bool:
        """Was (or is) the decision later than the promised date (承诺时限)?

        Once decided this compares the decision's date, so a late decision stays on record as late;
        before that it compares ``today``. Working days and any clock stop for corrections are the
        caller's to fold into ``promised``.
        """
        decided_at = self.decided_at
        if decided_at is not None:
            return decided_at.date() > promised
        return today > promised

    def timeline(self) -> tuple[TimelineEntry, ...]:
        """The history as the progress screen shows it, oldest first; the last entry is current."""
        entries = []
        last = len(self.history) - 1
        decided = next((i for i, e in enumerate(self.history) if e.stage is Stage.DECIDED), last + 1)
        for i, event in enumerate(self.history):
            label = STAGE_LABELS[event.stage]
            zh, en = label.zh, label.en
            if event.stage is Stage.DECIDED and event.outcome is not None:
                zh, en = f"{zh}（{event.outcome.zh}）", f"{en} ({event.outcome.en})"
            explain_zh, explain_en = explain(event.stage, self.outcome if i >= decided else None)
            entries.append(TimelineEntry(event.stage, event.at, zh, en, explain_zh, explain_en,
                                         event.note, event.actor, i == last))
        return tuple(entries)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, English keys, ISO 8601 times."""
        return {
            "application_number": self.application_number,
            "stage": self.stage.value,
            "outcome": self.outcome.value if self.outcome else None,
            "history": [event.to_dict() for event in self.history],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Progress:
        """Read back ``to_dict`` output; the history is re-validated, so a tampered record fails."""
        try:
            history = tuple(ProgressEvent.from_dict(e) for e in data["history"])
            return cls(
                application_number=data["application_number"],
                stage=data["stage"],
                outcome=data.get("outcome") or None,
                history=history,
            )
        except ProgressError:
            raise
        except (KeyError, TypeError, ValueError) as exc:
            raise ProgressError("bad_record", "进度记录格式有误", f"Malformed progress record ({exc})") from None
