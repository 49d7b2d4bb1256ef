"""Loading the service catalogue: schema first, then the rules a schema cannot say.

A catalogue arrives from the repository or, later, pushed by the platform; a bad one must be refused
whole with an error a technician can act on (which file, which service, which field), never half-loaded.
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import fastjsonschema

from .guide import (
    Bundle,
    Catalogue,
    Channels,
    Contact,
    Delivery,
    Department,
    Fee,
    Fees,
    FormField,
    LegalBasis,
    Material,
    Option,
    Place,
    Result,
    Service,
    Step,
    Theme,
    TimeLimits,
)

CATALOGUE_DIR = Path(__file__).resolve().parent.parent / "assets" / "catalogue"
DEFAULT_CATALOGUE = CATALOGUE_DIR / "services.json"
SCHEMA = CATALOGUE_DIR / "schema.json"

# 最多一个月: village/township steps at most 6 working days, county departments at most 24, 30 in all.
LOCAL_LEVELS = ("village", "township")
LOCAL_LIMIT = 6
COUNTY_LIMIT = 24
TOTAL_LIMIT = 30


@dataclass
class CatalogueError(ValueError):
    file: str
    service: str | None
    field: str | None
    problem: str

    def __str__(self) -> str:
        where = self.file
        if self.service:
            where += f": {self.service}"
        if self.field:
            where += f": {self.field}"
        return f"{where}: {self.problem}"


@lru_cache(maxsize=1)
def _validator() -> Callable[[object], object]:
    """The schema compiled to Python once per process: validating the whole catalogue then takes
    milliseconds, where an interpreting validator took a tenth of a second on a kiosk-class CPU."""
    return fastjsonschema.compile(json.loads(SCHEMA.read_text(encoding="utf-8")))


def load_catalogue(path: Path | str | None = None) -> Catalogue:
    path = Path(path) if path else DEFAULT_CATALOGUE
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CatalogueError(path.name, None, None, f"cannot read: {exc.strerror or exc}") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CatalogueError(path.name, None, None, f"not JSON: line {exc.lineno} column {exc.colno}: {exc.msg}") from exc
    return parse_catalogue(data, path.name, source=str(path))


def parse_catalogue(data: object, origin: str, source: str = "") -> Catalogue:
    """Validate ``data`` (the decoded JSON) and build the catalogue; ``origin`` names it in errors."""
    try:
        _validator()(data)
    except fastjsonschema.JsonSchemaValueException as exc:
        raise _schema_error(exc, data, origin) from None
    catalogue = _build(data, source or origin)
    problems = list(check_rules(catalogue))
    if problems:
        service, field, problem = problems[0]
        raise CatalogueError(origin, service, field, problem)
    return catalogue


def _schema_error(error: fastjsonschema.JsonSchemaValueException, data: dict, origin: str) -> CatalogueError:
    """Name the service by its code and the field by its path inside it: what a technician searches for."""
    path: list[str | int] = [int(part) if part.isdigit() else part for part in (error.path or [])[1:]]
    service = None
    if len(path) >= 2 and path[0] in ("services", "bundles", "departments", "themes") and isinstance(path[1], int):
        item = data[path[0]][path[1]]
        code = item.get("code") if isinstance(item, dict) else None
        service = str(code) if code else f"{path[0]}[{path[1]}]"
        path = path[2:]
    field = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in path).lstrip(".")
    message = error.message.split(" ", 1)[1] if " " in error.message else error.message
    missing = re.findall(r"'([^']+)'", message)
    if error.rule == "required" and missing:
        field = ".".join(filter(None, [field, missing[0]]))
        message = "missing"
    elif error.rule == "additionalProperties" and missing:
        message = "unknown field: " + ", ".join(missing)
    return CatalogueError(origin, service, field or None, message)


def _build(data: dict, source: str) -> Catalogue:
    return Catalogue(
        version=data["version"],
        published=data["published"],
        region_code=data["region"]["code"],
        region_name=data["region"]["name"],
        departments={item["code"]: Department(**item) for item in data["departments"]},
        themes={item["code"]: Theme(**{**item, "audience": tuple(item["audience"])}) for item in data["themes"]},
        services={item["code"]: _service(item) for item in data["services"]},
        bundles={item["code"]: _bundle(item) for item in data["bundles"]},
        source=source,
    )


def _service(item: dict) -> Service:
    return Service(
        code=item["code"], name=item["name"], name_en=item["name_en"], aliases=tuple(item["aliases"]),
        type=item["type"], audience=tuple(item["audience"]), themes=tuple(item["themes"]),
        implementing_body=item["implementing_body"], department=item["department"], level=item["level"],
        legal_basis=tuple(LegalBasis(**basis) for basis in item["legal_basis"]),
        conditions=tuple(item["conditions"]),
        materials=tuple(_material(material) for material in item["materials"]),
        form_fields=tuple(_field(field) for field in item["form_fields"]),
        fees=Fees(charged=item["fees"]["charged"], basis=item["fees"]["basis"],
                  items=tuple(Fee(fee["name"], Decimal(fee["amount"]), fee["basis"]) for fee in item["fees"]["items"])),
        time_limits=TimeLimits(**item["time_limits"]),
        process=tuple(Step(**step) for step in item["process"]),
        result=Result(**item["result"]), channels=Channels(**item["channels"]), place=Place(**item["place"]),
        contact=Contact(**item["contact"]), delivery=Delivery(**item["delivery"]),
        notification_commitment=item["notification_commitment"],
    )


def _material(item: dict) -> Material:
    return Material(**{**item, "common_mistakes": tuple(item["common_mistakes"])})


def _field(item: dict) -> FormField:
    options = tuple(Option(**option) for option in item.get("options", ()))
    return FormField(**{**item, "options": options})


def _bundle(item: dict) -> Bundle:
    return Bundle(**{**item, "aliases": tuple(item["aliases"]), "audience": tuple(item["audience"]),
                     "themes": tuple(item["themes"]), "services": tuple(item["services"])})


Problem = tuple[str | None, str | None, str]


def check_rules(catalogue: Catalogue) -> Iterator[Problem]:
    """Every rule of assets/catalogue/README.md that JSON Schema cannot express."""
    yield from _check_codes(catalogue)
    materials: dict[str, tuple[str, str]] = {}
    fields: dict[str, tuple[str, FormField]] = {}
    for service in catalogue.services.values():
        yield from _check_service(catalogue, service)
        for material in service.materials:
            seen = materials.setdefault(material.id, (service.code, material.name))
            if seen[1] != material.name:
                yield (service.code, f"materials.{material.id}",
                       f"same id as in {seen[0]} but a different name ({material.name} / {seen[1]})")
        for field in service.form_fields:
            first = fields.setdefault(field.name, (service.code, field))
            if (first[1].type, first[1].options) != (field.type, field.options):
                yield (service.code, f"form_fields.{field.name}",
                       f"type or options differ from the same field in {first[0]}")
    for bundle in catalogue.bundles.values():
        yield from _check_bundle(catalogue, bundle)


def _check_codes(catalogue: Catalogue) -> Iterator[Problem]:
    clash = set(catalogue.services) & set(catalogue.bundles)
    for code in sorted(clash):
        yield code, "code", "used by both a service and a bundle"


def _check_service(catalogue: Catalogue, service: Service) -> Iterator[Problem]:
    code = service.code
    if service.department not in catalogue.departments:
        yield code, "department", f"unknown department {service.department!r}"
    for theme in service.themes:
        if theme not in catalogue.themes:
            yield code, "themes", f"unknown theme {theme!r}"
    yield from _duplicates(code, "materials", [material.id for material in service.materials])
    yield from _duplicates(code, "form_fields", [field.name for field in service.form_fields])
    sources = {field.source: field.name for field in service.form_fields}
    for source, name in (("identity.name", "name"), ("identity.id_number", "id_number")):
        if sources.get(source) != name:
            yield code, f"form_fields.{name}", f"every service needs a {name!r} field with source {source!r}"
    for field in service.form_fields:
        if (field.type == "choice") != bool(field.options):
            yield code, f"form_fields.{field.name}.options", "choice fields need options; other types take none"
    for material in service.materials:
        where = f"materials.{material.id}"
        if material.deferrable and (material.role != "auxiliary" or not material.defer_days):
            yield code, where, "a deferrable (容缺) material must be auxiliary and give defer_days"
        if material.commitment and not service.notification_commitment:
            yield code, where, "commitment (告知承诺) materials need notification_commitment on the service"
    if service.fees.charged != bool(service.fees.items):
        yield code, "fees", "charged must be true exactly when there are fee items"
    yield from _check_limits(service)


def _check_limits(service: Service) -> Iterator[Problem]:
    code, limits = service.code, service.time_limits
    if limits.promised_days > limits.statutory_days:
        yield code, "time_limits.promised_days", (
            f"promised {limits.promised_days} exceeds the statutory {limits.statutory_days} working days")
    steps = sum(step.days for step in service.process)
    if steps != limits.promised_days:
        yield code, "process", f"steps add up to {steps} working days, promised is {limits.promised_days}"
    local = sum(step.days for step in service.process if step.level in LOCAL_LEVELS)
    if local > LOCAL_LIMIT:
        yield code, "process", f"village and township steps take {local} working days, at most {LOCAL_LIMIT}"
    county = sum(step.days for step in service.process if step.level == "county")
    if county > COUNTY_LIMIT:
        yield code, "process", f"county steps take {county} working days, at most {COUNTY_LIMIT}"
    if limits.promised_days > TOTAL_LIMIT:
        yield code, "time_limits.promised_days", f"{limits.promised_days} working days, at most {TOTAL_LIMIT}"


def _check_bundle(catalogue: Catalogue, bundle: Bundle) -> Iterator[Problem]:
    code = bundle.code
    members = [catalogue.services.get(member) for member in bundle.services]
    for member, service in zip(bundle.services, members):
        if service is None:
            yield code, "services", f"unknown service {member!r}"
    members = [service for service in members if service is not None]
    if bundle.lead_department not in {service.department for service in members}:
        yield code, "lead_department", "must be the department of one of the bundle's services"
    slowest = max((service.time_limits.promised_days for service in members), default=0)
    if not slowest <= bundle.promised_days <= TOTAL_LIMIT:
        yield code, "promised_days", f"must be between the slowest service ({slowest}) and {TOTAL_LIMIT} working days"
    for theme in bundle.themes:
        if theme not in catalogue.themes:
            yield code, "themes", f"unknown theme {theme!r}"


def _duplicates(code: str, where: str, keys: list[str]) -> Iterator[Problem]:
    seen: set[str] = set()
    for key in keys:
        if key in seen:
            yield code, f"{where}.{key}", "appears twice"
        seen.add(key)
