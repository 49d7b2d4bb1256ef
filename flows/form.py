"""One form for the whole application (一表申请): every chosen service's fields merged, data entered once,
prefilled from the identity card and shared data."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from . import idnumber
from .applicant import Applicant
from .guide import FormField, Option, Service

# Not required: the result is collected at the hall unless the citizen asks for free mailing.
DELIVERY_FIELD = FormField(
    "delivery", "领取方式", "How to receive the result", "choice", False,
    options=(Option("pickup", "到大厅领取", "Collect at the service centre"),
             Option("mail", "免费邮寄到家", "Free mailing to my address")),
)
MAILING_FIELDS = (
    FormField("mailing_address", "邮寄地址", "Mailing address", "address", False, source="identity.address",
              hint="写到门牌号，例如：渑池县城关镇黄河路12号3单元201", hint_en="Down to the door number"),
    FormField("postal_code", "邮政编码", "Postal code", "postal_code", False),
)


def merge_fields(services: tuple[Service, ...]) -> tuple[FormField, ...]:
    """Fields in first-asked order; a field any service requires is required. When a result can be
    mailed, the delivery choice and the mailing address are asked once at the end."""
    merged: dict[str, FormField] = {}
    for service in services:
        for field in service.form_fields:
            known = merged.get(field.name)
            if known is None:
                merged[field.name] = field
            elif field.required and not known.required:
                merged[field.name] = replace(known, required=True)
    if any(service.delivery.mail for service in services):
        for field in (DELIVERY_FIELD, *MAILING_FIELDS):
            merged.setdefault(field.name, field)
    return tuple(merged.values())


def prefill(fields: tuple[FormField, ...], applicant: Applicant | None,
            shared: Mapping[str, str] | None = None) -> dict[str, str]:
    """Values the citizen does not have to type: the card's identity, then shared data."""
    shared = shared or {}
    values: dict[str, str] = {}
    for field in fields:
        if not field.source:
            continue
        kind, _, key = field.source.partition(".")
        value = getattr(applicant, key, None) if kind == "identity" and applicant else shared.get(key)
        if value:
            values[field.name] = str(value)
    return values


def derive(fields: tuple[FormField, ...], values: Mapping[str, object]) -> dict[str, str]:
    """Birth date and sex are written in a valid ID number (GB 11643): never ask for them twice."""
    number = idnumber.normalise(str(values.get("id_number") or ""))
    if not idnumber.is_valid(number):
        return {}
    derived: dict[str, str] = {}
    names = {field.name: field for field in fields}
    birth = idnumber.birth_date(number)
    if "birth_date" in names and not values.get("birth_date") and birth:
        derived["birth_date"] = birth.isoformat()
    sex_field = names.get("sex")
    if sex_field and not values.get("sex"):
        sex = idnumber.sex(number)
        for option in sex_field.options:
            if sex in (option.value, option.label):
                derived["sex"] = option.value
    return derived
