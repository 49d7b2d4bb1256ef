"""Who applies, and who helps: the applicant's identity, a village operator (帮办代办) and the citizen's
consent. Personal data stays out of repr() so a stray log line or traceback cannot carry it."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime

from .masking import mask_id_number, mask_name

IDENTITY_SOURCES = ("idcard", "sscard", "qr", "form")
CONSENT_METHODS = {
    "signature": ("本人签字确认", "signed by the citizen"),
    "card": ("本人刷身份证确认", "confirmed with the citizen's own ID card"),
    "verbal_recorded": ("本人口头同意并录音", "verbal consent, recorded"),
}


@dataclass(frozen=True)
class Applicant:
    name: str = field(repr=False)
    id_number: str = field(repr=False)
    source: str = "form"            # how the identity was established: idcard, sscard, qr, form
    sex: str = field(default="", repr=False)
    birth: str = field(default="", repr=False)     # YYYY-MM-DD
    nation: str = field(default="", repr=False)
    address: str = field(default="", repr=False)

    def __post_init__(self) -> None:
        if self.source not in IDENTITY_SOURCES:
            raise ValueError(f"unknown identity source {self.source!r}")

    @property
    def verified(self) -> bool:
        """The identity came from a card the kiosk read, not from typing: it stands for the ID material."""
        return self.source in ("idcard", "sscard")

    @property
    def masked(self) -> str:
        return f"{mask_name(self.name)} {mask_id_number(self.id_number)}"

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Operator:
    """A village station operator or hall helper applying on a citizen's behalf."""
    operator_id: str
    name: str
    station: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Consent:
    """The citizen's consent to an operator applying for them, recorded before submission (留痕)."""
    method: str
    at: datetime

    def __post_init__(self) -> None:
        if self.method not in CONSENT_METHODS:
            raise ValueError(f"unknown consent method {self.method!r}; one of {', '.join(CONSENT_METHODS)}")

    def to_dict(self) -> dict:
        return {"method": self.method, "at": self.at.isoformat(timespec="seconds")}
