"""The service guide (办事指南): every element of a service's implementation-list entry, as data.

The field names follow assets/catalogue/schema.json one to one, so a guide prints back to the same JSON
(``to_dict``) that the platform pushes and ``kioskctl catalogue show --json`` shows.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from decimal import Decimal

SERVICE_TYPES = {
    "administrative_licence": ("行政许可", "Administrative licence"),
    "administrative_confirmation": ("行政确认", "Administrative confirmation"),
    "administrative_payment": ("行政给付", "Administrative payment"),
    "administrative_filing": ("行政备案", "Administrative filing"),
    "administrative_ruling": ("行政裁决", "Administrative ruling"),
    "administrative_reward": ("行政奖励", "Administrative reward"),
    "administrative_collection": ("行政征收", "Administrative collection"),
    "other_power": ("其他行政权力", "Other administrative power"),
    "public_service": ("公共服务", "Public service"),
}
AUDIENCES = {"citizen": ("个人办事", "For citizens"), "enterprise": ("法人办事", "For enterprises")}
LEVELS = {"village": "村（社区）", "township": "乡镇（街道）", "county": "县直部门", "city": "市级", "province": "省级"}
FORMS = {"original": ("原件", "original"), "copy": ("复印件", "copy"),
         "original_or_copy": ("原件或复印件", "original or copy")}
MEDIA = {"paper": ("纸质", "paper"), "electronic": ("电子", "electronic"),
         "paper_or_electronic": ("纸质或电子", "paper or electronic")}


@dataclass(frozen=True)
class Department:
    code: str
    name: str
    name_en: str
    phone: str


@dataclass(frozen=True)
class Theme:
    code: str
    name: str
    name_en: str
    audience: tuple[str, ...]


@dataclass(frozen=True)
class Material:
    """One required document. How it may be supplied is part of the guide, because 免证办, 容缺受理 and
    告知承诺 are decided per material, not per application."""
    id: str
    name: str
    name_en: str
    required: bool
    role: str                   # main | auxiliary: only auxiliary materials may be deferred (容缺)
    form: str                   # original | copy | original_or_copy
    count: int
    medium: str                 # paper | electronic | paper_or_electronic
    sample: str                 # 示范文本
    common_mistakes: tuple[str, ...]
    e_licence: str | None       # electronic licence type that replaces it (免证办)
    shared_data: str | None     # shared data set that replaces it (数据共享)
    deferrable: bool            # may be supplied later under 容缺受理
    commitment: bool            # may be replaced by a signed commitment under 告知承诺制
    defer_days: int | None = None
    note: str = ""

    @property
    def supply(self) -> tuple[str, ...]:
        """Every way this material may reach the application, in the order the kiosk tries them."""
        ways = []
        if self.shared_data:
            ways.append("shared_data")
        if self.e_licence:
            ways.append("e_licence")
        if self.medium != "electronic":
            ways.append("capture")
        else:
            ways.append("upload")
        if self.deferrable:
            ways.append("defer")
        if self.commitment:
            ways.append("commitment")
        return tuple(ways)

    def requirement(self) -> str:
        """What the citizen must bring, in one line for the one-time notice (一次性告知单)."""
        text = f"{self.name}{FORMS[self.form][0]}{self.count}份（{MEDIA[self.medium][0]}）"
        if self.note:
            text += f"；{self.note}"
        return text

    def requirement_en(self) -> str:
        return f"{self.name_en}, {FORMS[self.form][1]}, {self.count} ({MEDIA[self.medium][1]})"

    def to_dict(self) -> dict:
        return {**_plain(asdict(self)), "supply": list(self.supply)}


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    label_en: str


@dataclass(frozen=True)
class FormField:
    name: str
    label: str
    label_en: str
    type: str
    required: bool
    options: tuple[Option, ...] = ()
    source: str | None = None       # prefill: identity.* from the card, shared.* from shared data
    min: float | None = None
    max: float | None = None
    max_length: int | None = None
    hint: str = ""
    hint_en: str = ""


@dataclass(frozen=True)
class LegalBasis:
    title: str
    article: str


@dataclass(frozen=True)
class Fee:
    name: str
    amount: Decimal
    basis: str


@dataclass(frozen=True)
class Fees:
    charged: bool
    items: tuple[Fee, ...]
    basis: str


@dataclass(frozen=True)
class TimeLimits:
    statutory_days: int
    promised_days: int

    @property
    def immediate(self) -> bool:
        """即办: decided on the spot."""
        return self.promised_days == 0


@dataclass(frozen=True)
class Step:
    name: str
    name_en: str
    actor: str
    level: str
    days: int


@dataclass(frozen=True)
class Result:
    name: str
    name_en: str
    kind: str
    sample: str


@dataclass(frozen=True)
class Channels:
    kiosk: bool
    online: bool
    window: bool
    visits: int


@dataclass(frozen=True)
class Place:
    address: str
    hours: str


@dataclass(frozen=True)
class Contact:
    consultation: str
    complaint: str


@dataclass(frozen=True)
class Delivery:
    pickup: bool
    mail: bool
    free_mail: bool
    on_the_spot: bool


@dataclass(frozen=True)
class Service:
    code: str
    name: str
    name_en: str
    aliases: tuple[str, ...]
    type: str
    audience: tuple[str, ...]
    themes: tuple[str, ...]
    implementing_body: str
    department: str
    level: str
    legal_basis: tuple[LegalBasis, ...]
    conditions: tuple[str, ...]
    materials: tuple[Material, ...]
    form_fields: tuple[FormField, ...]
    fees: Fees
    time_limits: TimeLimits
    process: tuple[Step, ...]
    result: Result
    channels: Channels
    place: Place
    contact: Contact
    delivery: Delivery
    notification_commitment: bool   # 告知承诺制

    def material(self, material_id: str) -> Material:
        for material in self.materials:
            if material.id == material_id:
                return material
        raise KeyError(material_id)

    def to_dict(self) -> dict:
        return {**_plain(asdict(self)), "materials": [material.to_dict() for material in self.materials]}


@dataclass(frozen=True)
class Bundle:
    """一件事一次办: related services applied for together, coordinated by a lead department."""
    code: str
    name: str
    name_en: str
    aliases: tuple[str, ...]
    audience: tuple[str, ...]
    themes: tuple[str, ...]
    lead_department: str
    services: tuple[str, ...]
    promised_days: int
    description: str

    def to_dict(self) -> dict:
        return _plain(asdict(self))


@dataclass(frozen=True)
class Catalogue:
    version: str
    published: str
    region_code: str
    region_name: str
    departments: dict[str, Department]
    themes: dict[str, Theme]
    services: dict[str, Service]
    bundles: dict[str, Bundle]
    source: str = field(default="", compare=False)

    def get(self, code: str) -> Service | Bundle:
        if code in self.services:
            return self.services[code]
        if code in self.bundles:
            return self.bundles[code]
        raise KeyError(code)

    def members(self, code: str) -> tuple[Service, ...]:
        """The services an application for ``code`` covers: itself, or a bundle's members."""
        item = self.get(code)
        if isinstance(item, Bundle):
            return tuple(self.services[member] for member in item.services)
        return (item,)


def _plain(value):
    """asdict() output as JSON-ready values: tuples to lists, Decimal to its two-place string."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return value
