"""What the citizen says afterwards: the 好差评 rating of a transaction and the 办不成事 complaint.

Both are validated here, before anything is sent, so the kiosk can tell the citizen exactly what to fix
(every refusal is a ``FeedbackError`` with a stable code and zh/en text) and the platform never receives
a bad rating without a reason it could investigate.

Decisions taken here:

* Five levels (非常满意 … 非常不满意), as GB/T 39734-2020 and national 好差评 practice use them. 不满意 and
  非常不满意 are the bad ratings (差评): they need at least one reason from ``BAD_REASONS`` and are
  flagged ``needs_follow_up``, because bad ratings are investigated and fixed (one province: within
  ``FOLLOW_UP_WORKING_DAYS`` working days; counting working days is the caller's, with its calendar).
* Reasons are stable codes with zh/en labels; the Chinese label is accepted as input too. Good ratings
  (4-5) take reasons from ``GOOD_REASONS`` only, bad ones from ``BAD_REASONS`` only, 基本满意 from
  either. The reason "other" (其他) says nothing to investigate, so it needs a comment.
* Over-long text is refused, not cut: the citizen should see what will be sent.
* A rating needs an application number (一次一评: one rating per transaction). ``stage``, when the
  caller has looked the application up, must be a progress stage, i.e. at least accepted; anything
  else (not found, draft, not accepted) is refused.
* A complaint may be anonymous; a mobile number, if typed, must be a mainland mobile (full-width digits,
  separators and a +86/0086 prefix are tolerated and normalised away).
* Records hold only what the citizen typed. Their repr hides the free text and the mobile number, but
  ``to_dict`` carries them for the back office: masking or dropping them before logging is the
  caller's job (see ``flows.masking``).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum
from typing import Any, NamedTuple

from .fields import MOBILE_PATTERN, mobile_digits
from .progress import Stage

FOLLOW_UP_WORKING_DAYS = 15
COMMENT_MAX = 300
DESCRIPTION_MIN = 5
DESCRIPTION_MAX = 500


class Rating(IntEnum):
    VERY_DISSATISFIED = 1
    DISSATISFIED = 2
    BASICALLY_SATISFIED = 3
    SATISFIED = 4
    VERY_SATISFIED = 5

    @property
    def zh(self) -> str:
        return RATING_LABELS[self][0]

    @property
    def en(self) -> str:
        return RATING_LABELS[self][1]

    @property
    def is_bad(self) -> bool:
        """差评: the two lowest levels."""
        return self <= Rating.DISSATISFIED


RATING_LABELS: dict[Rating, tuple[str, str]] = {
    Rating.VERY_SATISFIED: ("非常满意", "Very satisfied"),
    Rating.SATISFIED: ("满意", "Satisfied"),
    Rating.BASICALLY_SATISFIED: ("基本满意", "Basically satisfied"),
    Rating.DISSATISFIED: ("不满意", "Dissatisfied"),
    Rating.VERY_DISSATISFIED: ("非常不满意", "Very dissatisfied"),
}


class Reason(NamedTuple):
    code: str
    zh: str
    en: str


OTHER = "other"

# Ordered as the kiosk lists them; the most common complaints first.
BAD_REASONS: tuple[Reason, ...] = (
    Reason("guide_unclear", "办事指南不清晰", "The service guide was unclear"),
    Reason("guide_inaccurate", "办事指南与实际要求不符", "The guide did not match what was asked"),
    Reason("repeated_material_requests", "材料要求反复", "Materials were asked for again and again"),
    Reason("repeated_visits", "多次跑动", "Had to come more than once"),
    Reason("overdue", "超时办理", "Not done within the promised time"),
    Reason("poor_attitude", "服务态度差", "Unfriendly service"),
    Reason("long_wait", "排队等候时间长", "Long wait"),
    Reason("hard_to_operate", "操作复杂难用", "Hard to operate"),
    Reason("device_fault", "设备故障", "The kiosk or a device failed"),
    Reason("unreasonable_fees", "收费不合理", "Fees were unreasonable or unexplained"),
    Reason(OTHER, "其他", "Other"),
)

GOOD_REASONS: tuple[Reason, ...] = (
    Reason("guide_clear", "办事指南清晰", "The service guide was clear"),
    Reason("few_materials", "材料精简", "Few materials were needed"),
    Reason("one_visit", "一次办好", "Done in one visit"),
    Reason("fast", "办理快捷", "Quick"),
    Reason("good_attitude", "服务热情周到", "Friendly, helpful service"),
    Reason("easy_to_operate", "操作方便", "Easy to operate"),
    Reason(OTHER, "其他", "Other"),
)

_REASONS: dict[str, Reason] = {r.code: r for r in BAD_REASONS + GOOD_REASONS}
_REASON_BY_LABEL: dict[str, Reason] = {r.zh: r for r in BAD_REASONS + GOOD_REASONS}


def reasons_for(level: Rating | int) -> tuple[Reason, ...]:
    """The reasons the kiosk offers for a level, in display order."""
    level = Rating(level)
    if level.is_bad:
        return BAD_REASONS
    if level is Rating.BASICALLY_SATISFIED:
        return GOOD_REASONS[:-1] + BAD_REASONS
    return GOOD_REASONS


CHANNELS: dict[str, tuple[str, str]] = {
    "kiosk": ("自助终端", "Self-service kiosk"),
    "window": ("窗口评价器", "Service window"),
    "online": ("网上办事大厅", "Online"),
    "mobile": ("移动端", "Mobile app"),
    "sms": ("短信", "SMS"),
    "hotline": ("12345热线", "12345 hotline"),
}

COMPLAINT_CATEGORIES: dict[str, tuple[str, str]] = {
    "hard_to_do": ("办事难", "Hard to get it done"),
    "cannot_be_done": ("办不成", "Could not be done"),
    "burdensome_materials": ("材料繁琐", "Too many or needless materials"),
    "repeated_visits": ("多次跑腿", "Had to come back again and again"),
    "overdue": ("超时未办结", "Not done within the time limit"),
    "buck_passing": ("推诿扯皮", "Passed from one office to another"),
    "device_fault": ("设备故障", "The kiosk or a device failed"),
    "other": ("其他", "Other"),
}


class FeedbackError(ValueError):
    """A rating or complaint the kiosk must not send; ``field`` says which input to fix."""

    def __init__(self, code: str, zh: str, en: str, field: str = "") -> None:
        self.code, self.zh, self.en, self.field = code, zh, en, field
        super().__init__(f"{zh} / {en}")

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "zh": self.zh, "en": self.en, "field": self.field}


def _check_time(at: Any) -> datetime:
    if not isinstance(at, datetime):
        raise FeedbackError("bad_time", "时间无效", "A datetime is required", "at")
    return at


def _optional_text(value: str | None) -> str | None:
    if value is None:
        return None
    value = str(value).strip()
    return value or None


@dataclass(frozen=True)
class RatingRecord:
    """One 好差评 rating, ready to send. Build it with ``make_rating``."""
    application_number: str
    level: Rating
    reasons: tuple[str, ...]                 # reason codes, in the order chosen
    comment: str = field(repr=False)
    at: datetime
    channel: str = "kiosk"
    stage: Stage | None = None               # the application's stage when rated

    @property
    def is_bad(self) -> bool:
        return self.level.is_bad

    @property
    def needs_follow_up(self) -> bool:
        """差评 are investigated and fixed (回访整改)."""
        return self.level.is_bad

    def reason_labels(self, lang: str = "zh") -> tuple[str, ...]:
        return tuple(getattr(_REASONS[code], "en" if lang == "en" else "zh") for code in self.reasons)

    def to_dict(self) -> dict[str, Any]:
        return {
            "application_number": self.application_number,
            "level": int(self.level),
            "reasons": list(self.reasons),
            "comment": self.comment,
            "at": self.at.isoformat(),
            "channel": self.channel,
            "stage": self.stage.value if self.stage else None,
            "needs_follow_up": self.needs_follow_up,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RatingRecord:
        """Read back ``to_dict`` output through ``make_rating``, so the same rules hold."""
        try:
            return make_rating(data["application_number"], data["level"], data.get("reasons") or (),
                               data.get("comment") or "", at=datetime.fromisoformat(data["at"]),
                               channel=data.get("channel") or "kiosk", stage=data.get("stage"))
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, FeedbackError):
                raise
            raise FeedbackError("bad_record", "评价记录格式有误", f"Malformed rating record ({exc})") from None


def make_rating(application_number: str, level: Rating | int, reasons: Iterable[str] = (),
                comment: str = "", *, at: datetime, channel: str = "kiosk",
                stage: Stage | str | None = None) -> RatingRecord:
    """Validate a citizen's rating. Raises ``FeedbackError`` naming the input to fix."""
    number = _optional_text(application_number)
    if number is None:
        raise FeedbackError("application_number_required", "缺少办件编号，无法评价",
                            "An application number is needed to rate", "application_number")
    if stage is not None:
        try:
            stage = Stage(stage)
        except ValueError:
            raise FeedbackError("not_accepted", "该办件尚未受理，暂不能评价",
                                "This application has not been accepted, so it cannot be rated yet",
                                "stage") from None
    if isinstance(level, bool) or not isinstance(level, int) or level not in set(Rating):
        raise FeedbackError("invalid_level", "请选择评价等级（1至5）", "Choose a rating from 1 to 5", "level")
    level = Rating(level)
    if channel not in CHANNELS:
        raise FeedbackError("unknown_channel", "未知的评价渠道", f"Unknown rating channel: {channel!r}",
                            "channel")

    codes = _reason_codes(reasons, level)
    if level.is_bad and not codes:
        raise FeedbackError("reason_required", f"选择“{level.zh}”时请至少选择一项原因",
                            f"Please choose at least one reason for '{level.en}'", "reasons")

    text = (comment or "").strip()
    if len(text) > COMMENT_MAX:
        raise FeedbackError("comment_too_long", f"意见最多{COMMENT_MAX}字，当前{len(text)}字",
                            f"Comments are limited to {COMMENT_MAX} characters (now {len(text)})", "comment")
    if OTHER in codes and not text:
        raise FeedbackError("comment_required", "选择“其他”时请简要写明原因",
                            "Please describe the reason when choosing 'Other'", "comment")
    return RatingRecord(number, level, codes, text, _check_time(at), channel, stage)


def _reason_codes(reasons: Iterable[str], level: Rating) -> tuple[str, ...]:
    """Codes (or zh labels) to codes, de-duplicated in order, checked against the level's list."""
    if isinstance(reasons, str):
        reasons = (reasons,)
    offered = {r.code for r in reasons_for(level)}
    codes: list[str] = []
    for given in reasons:
        reason = _REASONS.get(given) or _REASON_BY_LABEL.get(str(given).strip())
        if reason is None:
            raise FeedbackError("unknown_reason", "未知的评价原因", f"Unknown reason: {given!r}", "reasons")
        if reason.code not in offered:
            raise FeedbackError("reason_mismatch", f"“{reason.zh}”与“{level.zh}”不符，请重新选择",
                                f"'{reason.en}' does not fit '{level.en}'", "reasons")
        if reason.code not in codes:
            codes.append(reason.code)
    return tuple(codes)


@dataclass(frozen=True)
class Complaint:
    """A 办不成事 report. Build it with ``make_complaint``."""
    category: str
    description: str = field(repr=False)
    contact_mobile: str | None = field(repr=False)
    application_number: str | None
    service_code: str | None
    at: datetime

    @property
    def anonymous(self) -> bool:
        """No way to call the citizen back."""
        return self.contact_mobile is None

    @property
    def category_zh(self) -> str:
        return COMPLAINT_CATEGORIES[self.category][0]

    @property
    def category_en(self) -> str:
        return COMPLAINT_CATEGORIES[self.category][1]

    def to_dict(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "description": self.description,
            "contact_mobile": self.contact_mobile,
            "application_number": self.application_number,
            "service_code": self.service_code,
            "at": self.at.isoformat(),
            "anonymous": self.anonymous,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Complaint:
        """Read back ``to_dict`` output through ``make_complaint``, so the same rules hold."""
        try:
            return make_complaint(data["category"], data["description"], data.get("contact_mobile"),
                                  data.get("application_number"), data.get("service_code"),
                                  at=datetime.fromisoformat(data["at"]))
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, FeedbackError):
                raise
            raise FeedbackError("bad_record", "反映记录格式有误", f"Malformed complaint record ({exc})") from None


def normalise_mobile(mobile: str | None) -> str | None:
    """The 11 digits of a mainland mobile, or None when nothing was typed.

    Raises ``FeedbackError`` when something was typed that is not a mainland mobile.
    """
    if mobile is None:
        return None
    text = mobile_digits(mobile)
    if not text:
        return None
    if not MOBILE_PATTERN.fullmatch(text):
        raise FeedbackError("invalid_mobile", "请输入正确的11位手机号码，或留空匿名反映",
                            "Enter a valid 11-digit mainland mobile number, or leave it empty to stay anonymous",
                            "contact_mobile")
    return text


def make_complaint(category: str, description: str, contact_mobile: str | None = None,
                   application_number: str | None = None, service_code: str | None = None,
                   *, at: datetime) -> Complaint:
    """Validate a 办不成事 report. Raises ``FeedbackError`` naming the input to fix."""
    code = category if category in COMPLAINT_CATEGORIES else next(
        (c for c, (zh, _) in COMPLAINT_CATEGORIES.items() if zh == str(category).strip()), None)
    if code is None:
        raise FeedbackError("unknown_category", "请选择反映的问题类型", f"Choose a category (got {category!r})",
                            "category")
    text = (description or "").strip()
    if len(text) < DESCRIPTION_MIN:
        raise FeedbackError("description_too_short", f"请至少用{DESCRIPTION_MIN}个字描述遇到的问题",
                            f"Please describe the problem in at least {DESCRIPTION_MIN} characters",
                            "description")
    if len(text) > DESCRIPTION_MAX:
        raise FeedbackError("description_too_long", f"问题描述最多{DESCRIPTION_MAX}字，当前{len(text)}字",
                            f"The description is limited to {DESCRIPTION_MAX} characters (now {len(text)})",
                            "description")
    return Complaint(code, text, normalise_mobile(contact_mobile), _optional_text(application_number),
                     _optional_text(service_code), _check_time(at))
