"""One application, step by step: identify, choose, one form, materials, completeness, review, submit,
receipt. The same object runs behind the touch screen, ``kioskctl apply`` and an operator's 帮办代办.

After every step the state goes to the draft store the caller gives (encrypted at rest there), so a
power cut can resume the application or abandon it cleanly; abandoning drops every piece of personal
data from memory and from the store.
"""
from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Protocol

from .applicant import Applicant, Consent, Operator
from .completeness import Completeness, Deferral, check
from .fields import FieldError, FormResult, validate_form
from .form import derive, merge_fields, prefill
from .guide import Bundle, Catalogue, FormField, Material, Service
from .materials import MaterialFile, Requirement, requirements
from .workdays import WorkCalendar


class Step(StrEnum):
    IDENTIFY = "identify"
    CHOOSE = "choose"
    FORM = "form"
    MATERIALS = "materials"
    CHECK = "check"
    REVIEW = "review"
    SUBMITTED = "submitted"     # accepted and numbered; the receipt is still to be handed over
    DONE = "done"
    ABANDONED = "abandoned"


ORDER = list(Step)
EDITABLE = (Step.CHOOSE, Step.FORM, Step.MATERIALS, Step.CHECK, Step.REVIEW)


class FlowError(Exception):
    """A step the application cannot take now; ``zh``/``en`` are fit for the screen."""

    def __init__(self, code: str, zh: str, en: str) -> None:
        super().__init__(f"{code}: {en}")
        self.code, self.zh, self.en = code, zh, en


class DraftStore(Protocol):
    """Where an application in progress survives a power cut. The kiosk's store encrypts it."""

    def save(self, snapshot: dict) -> None: ...
    def put_file(self, data: bytes) -> str: ...
    def get_file(self, sha256: str) -> bytes: ...
    def clear(self) -> None: ...


class LookupUnavailable(Exception):
    """The e-licence service cannot be asked now (network down, platform busy)."""


class ELicenceLookup(Protocol):
    """免证办: does this person hold an electronic licence of this type? Implemented by the uplink."""

    def has_licence(self, licence_type: str, id_number: str) -> bool: ...


@dataclass(frozen=True)
class ServicePart:
    code: str
    name: str
    department: str
    department_name: str
    promised_date: date
    provisional: bool

    def to_dict(self) -> dict:
        return {"code": self.code, "name": self.name, "department": self.department_name,
                "department_code": self.department, "promised_date": self.promised_date.isoformat(),
                "provisional": self.provisional}


@dataclass(frozen=True)
class Acceptance:
    """What the receipt (受理回执) says and what goes to the platform."""
    application_number: str
    draft_id: str
    accepted_at: datetime
    parts: tuple[ServicePart, ...]
    department: str
    department_name: str
    promised_date: date
    provisional: bool
    delivery: str
    deferred: tuple[Deferral, ...]          # 容缺: due later
    committed: tuple[Material, ...]         # 告知承诺: replaced by the signed commitment
    supplied: Mapping[str, str]
    applicant_masked: str
    operator: Operator | None = None
    consent: Consent | None = None

    @property
    def service_name(self) -> str:
        return "、".join(part.name for part in self.parts)

    def to_dict(self) -> dict:
        return {
            "status": "accepted",
            "application_number": self.application_number,
            "accepted_at": self.accepted_at.isoformat(timespec="seconds"),
            "service_name": self.service_name,
            "services": [part.to_dict() for part in self.parts],
            "promised_date": self.promised_date.isoformat(),
            "provisional": self.provisional,
            "department": self.department_name,
            "department_code": self.department,
            "delivery": self.delivery,
            "applicant": self.applicant_masked,
            "materials": dict(self.supplied),
            "deferred": [{"material": d.material.id, "name": d.material.name, "due": d.due.isoformat(),
                          "provisional": d.provisional} for d in self.deferred],
            "committed": [{"material": m.id, "name": m.name} for m in self.committed],
            "operator": self.operator.to_dict() if self.operator else None,
            "consent": self.consent.to_dict() if self.consent else None,
        }


@dataclass
class _Record:
    """Everything personal about the application, in one place so that wiping it is one statement."""
    applicant: Applicant | None = None
    codes: tuple[str, ...] = ()
    form: dict[str, str] = field(default_factory=dict)
    files: dict[str, tuple[MaterialFile, ...]] = field(default_factory=dict)
    consent: Consent | None = None
    completeness: Completeness | None = None
    committed: bool = False
    acceptance: Acceptance | None = None


class Application:
    def __init__(self, catalogue: Catalogue, calendar: WorkCalendar, *, store: DraftStore | None = None,
                 operator: Operator | None = None, clock: Callable[[], datetime] = datetime.now,
                 draft_id: str | None = None) -> None:
        self.catalogue = catalogue
        self.calendar = calendar
        self.store = store
        self.operator = operator
        self.clock = clock
        self.draft_id = draft_id or uuid.uuid4().hex
        self.step = Step.IDENTIFY
        self.history: list[tuple[str, str]] = []     # (step, ISO time): 留痕 without personal data
        self._record = _Record()

    # -- reading ------------------------------------------------------------------------------------
    @property
    def applicant(self) -> Applicant | None:
        return self._record.applicant

    @property
    def codes(self) -> tuple[str, ...]:
        return self._record.codes

    @property
    def services(self) -> tuple[Service, ...]:
        seen: dict[str, Service] = {}
        for code in self._record.codes:
            for service in self.catalogue.members(code):
                seen.setdefault(service.code, service)
        return tuple(seen.values())

    @property
    def fields(self) -> tuple[FormField, ...]:
        return merge_fields(self.services)

    @property
    def form(self) -> Mapping[str, str]:
        return dict(self._record.form)

    @property
    def needed(self) -> tuple[Requirement, ...]:
        return requirements(self.services)

    @property
    def completeness(self) -> Completeness | None:
        return self._record.completeness

    @property
    def acceptance(self) -> Acceptance | None:
        return self._record.acceptance

    # -- steps --------------------------------------------------------------------------------------
    def identify(self, applicant: Applicant) -> None:
        self._expect((Step.IDENTIFY,))
        self._record.applicant = applicant
        self._advance(Step.CHOOSE)

    def choose(self, codes: Iterable[str], shared: Mapping[str, str] | None = None) -> None:
        """Pick one or more services or a bundle; the form keeps what was already entered."""
        self._expect(EDITABLE)
        codes = tuple(dict.fromkeys(codes))
        if not codes:
            raise FlowError("no_service", "请选择要办理的事项", "choose at least one service")
        for code in codes:
            try:
                item = self.catalogue.get(code)
            except KeyError:
                raise FlowError("unknown_service", f"没有编号为 {code} 的事项",
                                f"there is no service with the code {code}") from None
            if isinstance(item, Service) and not item.channels.kiosk:
                raise FlowError("not_at_kiosk", f"“{item.name}”不能在自助终端办理，请到窗口办理",
                                f"“{item.name_en}” cannot be applied for at a kiosk; please go to a window")
        self._record.codes = codes
        fields = self.fields
        names = {field.name for field in fields}
        filled = prefill(fields, self._record.applicant, shared)
        filled.update(self._record.form)
        self._record.form = {name: value for name, value in filled.items() if name in names}
        self._record.completeness = None
        self._advance(Step.FORM)

    def fill(self, values: Mapping[str, object]) -> FormResult:
        """Take the citizen's entries (on top of the prefilled ones); every bad field is reported at once."""
        self._expect((Step.FORM, Step.MATERIALS, Step.CHECK, Step.REVIEW))
        fields = self.fields
        merged = {**self._record.form, **values}
        merged.update(derive(fields, merged))
        result = validate_form(fields, merged, today=self.clock().date())
        result = self._check_delivery(result)
        problems = self._identity_mismatch(result)
        if problems:
            result = FormResult(result.values, result.errors + problems, result.unknown)
        names = {field.name for field in fields}
        typed = {name: str(value) for name, value in merged.items() if name in names and value not in (None, "")}
        self._record.form = {**typed, **{name: str(value) for name, value in result.values.items()}}
        applicant = self._record.applicant
        if result.ok and applicant is not None and applicant.source == "form":
            self._record.applicant = replace(applicant, name=self._record.form.get("name", applicant.name),
                                             id_number=self._record.form.get("id_number", applicant.id_number))
        if result.ok:
            self._advance(Step.MATERIALS if self.step == Step.FORM else self.step)
        return result

    def supply(self, material_id: str, files: Sequence[MaterialFile]) -> None:
        """Captured pages or uploaded files for one material (replacing what was given before)."""
        self._expect((Step.MATERIALS, Step.CHECK, Step.REVIEW))
        if material_id not in {requirement.material.id for requirement in self.needed}:
            raise FlowError("unknown_material", f"这些事项不需要材料 {material_id}",
                            f"the chosen services do not ask for the material {material_id}")
        self._record.files[material_id] = tuple(files)
        if self.store is not None:
            for item in files:
                self.store.put_file(item.data)
        self._record.completeness = None
        self._advance(Step.MATERIALS)

    def check(self, *, commit: bool = False, lookup: ELicenceLookup | None = None,
              shared: Iterable[str] = ()) -> Completeness:
        """The completeness check. ``commit``: the applicant signs the commitment (容缺/告知承诺) for what
        a commitment can cover. Shared data "identity" counts when the card was read by the kiosk."""
        self._expect((Step.MATERIALS, Step.CHECK, Step.REVIEW))
        applicant = self._record.applicant
        available = set(shared) | ({"identity"} if applicant and applicant.verified else set())
        needed = self.needed
        result = check(needed, self._record.files, shared=available,
                       e_licences=self._lookup(needed, lookup, available), commit=commit, due_date=self._due_date)
        self._record.completeness = result
        self._record.committed = commit and result.complete and bool(result.deferrals or result.commitments)
        self._advance(Step.CHECK)
        return result

    def give_consent(self, consent: Consent) -> None:
        if self.operator is None:
            raise FlowError("no_operator", "本人办理不需要代办授权", "consent is only needed when an operator applies")
        self._record.consent = consent
        self._save()

    def review(self) -> dict:
        """What the applicant confirms before submitting: services, form, how each material came."""
        self._expect((Step.CHECK, Step.REVIEW))
        result = self._record.completeness
        if result is None or not result.complete:
            raise FlowError("incomplete", "材料还不齐全，请先补齐", "materials are not complete yet")
        self._advance(Step.REVIEW)
        return {"services": [self.catalogue.get(code).name for code in self.codes],
                "form": dict(self._record.form), "materials": dict(result.supplied)}

    def submit(self, application_number: str) -> Acceptance:
        """Accept: number it, count the promised date. The caller writes it to the outbox before it
        hands out a receipt."""
        self._expect((Step.REVIEW,))
        if self.operator is not None and self._record.consent is None:
            raise FlowError("no_consent", "代办需要申请人本人确认同意", "the citizen's consent is needed first")
        at = self.clock()
        parts = tuple(self._part(code, at.date()) for code in self.codes)
        lead = self._lead()
        result = self._record.completeness
        assert result is not None and self._record.applicant is not None
        acceptance = Acceptance(
            application_number=application_number, draft_id=self.draft_id, accepted_at=at, parts=parts,
            department=lead, department_name=self.catalogue.departments[lead].name,
            promised_date=max(part.promised_date for part in parts),
            provisional=any(part.provisional for part in parts),
            delivery=self._delivery(),
            deferred=result.deferrals, committed=result.commitments,
            supplied=dict(result.supplied), applicant_masked=self._record.applicant.masked,
            operator=self.operator, consent=self._record.consent,
        )
        self._record.acceptance = acceptance
        self._advance(Step.SUBMITTED)
        return acceptance

    def finish(self) -> None:
        """The receipt is in the citizen's hand: nothing personal needs to stay here any more."""
        self._expect((Step.SUBMITTED,))
        self._advance(Step.DONE)
        self._wipe()

    def abandon(self, reason: str = "cancelled") -> None:
        """The citizen walked away, cancelled or the session timed out: drop everything."""
        if self.step in (Step.DONE, Step.ABANDONED):
            return
        self.history.append((f"{Step.ABANDONED}:{reason}", self.clock().isoformat(timespec="seconds")))
        self.step = Step.ABANDONED
        self._wipe()

    def back(self, step: Step) -> None:
        """Go back to an earlier editable step (the "上一步" button)."""
        self._expect(EDITABLE)
        if step not in EDITABLE or ORDER.index(step) > ORDER.index(self.step):
            raise FlowError("bad_step", "不能跳到这一步", f"cannot go to {step} from {self.step}")
        self._advance(step)

    def notice(self) -> dict:
        """一次性告知: every gap at once, with what is required, as the screen and the printer show it."""
        result = self._record.completeness
        if result is None:
            raise FlowError("not_checked", "还没有检查材料", "materials have not been checked yet")
        return {
            "status": "complete" if result.complete else "incomplete",
            "services": [{"code": code, "name": self.catalogue.get(code).name} for code in self.codes],
            "applicant": self._record.applicant.masked if self._record.applicant else "",
            "missing": [gap.as_dict() for gap in result.gaps],
            "can_commit": result.can_commit,
            "contact": self._contact(),
            "issued_at": self.clock().isoformat(timespec="seconds"),
        }

    # -- persistence --------------------------------------------------------------------------------
    def snapshot(self) -> dict:
        record = self._record
        return {
            "draft_id": self.draft_id, "step": str(self.step), "history": list(self.history),
            "catalogue_version": self.catalogue.version,
            "operator": self.operator.to_dict() if self.operator else None,
            "applicant": record.applicant.to_dict() if record.applicant else None,
            "codes": list(record.codes), "form": dict(record.form),
            "files": {mid: [[item.name, item.sha256] for item in items] for mid, items in record.files.items()},
            "consent": record.consent.to_dict() if record.consent else None,
            "committed": record.committed,
            "acceptance_number": record.acceptance.application_number if record.acceptance else None,
        }

    @classmethod
    def restore(cls, snapshot: dict, catalogue: Catalogue, calendar: WorkCalendar, store: DraftStore,
                clock: Callable[[], datetime] = datetime.now) -> Application:
        """Rebuild a draft after a restart, replaying its steps so every rule is checked again. An
        accepted application is not a draft: its record is in the outbox (see ``recovery``)."""
        if Step(snapshot["step"]) not in (Step.IDENTIFY, *EDITABLE):
            raise FlowError("not_a_draft", "这份申请已经提交", "this application was already submitted")
        operator = Operator(**snapshot["operator"]) if snapshot.get("operator") else None
        app = cls(catalogue, calendar, store=None, operator=operator, clock=clock, draft_id=snapshot["draft_id"])
        target = Step(snapshot["step"])
        if snapshot.get("applicant"):
            app.identify(Applicant(**snapshot["applicant"]))
        if snapshot.get("codes") and ORDER.index(target) >= ORDER.index(Step.FORM):
            app.choose(snapshot["codes"])
            app._record.form = dict(snapshot["form"])
        if ORDER.index(target) >= ORDER.index(Step.MATERIALS):
            app._advance(Step.MATERIALS)
            for material_id, items in snapshot["files"].items():
                app.supply(material_id, [MaterialFile(name, store.get_file(sha)) for name, sha in items])
        if snapshot.get("consent"):
            consent = snapshot["consent"]
            app._record.consent = Consent(consent["method"], datetime.fromisoformat(consent["at"]))
        if ORDER.index(target) >= ORDER.index(Step.CHECK):
            app.check(commit=snapshot.get("committed", False))
            if target == Step.REVIEW and app.completeness is not None and app.completeness.complete:
                app.review()
        if ORDER.index(target) < ORDER.index(app.step):
            app.step = target
        app.history = [tuple(item) for item in snapshot["history"]]
        app.store = store
        return app

    def _save(self) -> None:
        if self.store is not None:
            self.store.save(self.snapshot())

    def _wipe(self) -> None:
        self._record = _Record()
        if self.store is not None:
            self.store.clear()

    # -- helpers ------------------------------------------------------------------------------------
    def _expect(self, steps: Iterable[Step]) -> None:
        steps = tuple(steps)
        if self.step not in steps:
            if self.step in (Step.ABANDONED, Step.DONE):
                raise FlowError("closed", "这次办理已经结束，请重新开始", "this application has ended; start again")
            raise FlowError("wrong_step", "请按顺序操作", f"cannot do this at step {self.step}")

    def _advance(self, step: Step) -> None:
        self.step = step
        self.history.append((str(step), self.clock().isoformat(timespec="seconds")))
        self._save()

    def _lookup(self, needed: tuple[Requirement, ...], lookup: ELicenceLookup | None,
                shared: set[str]) -> dict[str, str]:
        """Ask the platform only for what the citizen has not captured and shared data does not cover."""
        answers: dict[str, str] = {}
        applicant = self._record.applicant
        for requirement in needed:
            material = requirement.material
            if not material.e_licence or material.id in self._record.files or material.shared_data in shared:
                continue
            if lookup is None or applicant is None:
                answers[material.id] = "unavailable"
                continue
            try:
                found = lookup.has_licence(material.e_licence, applicant.id_number)
            except LookupUnavailable:
                answers[material.id] = "unavailable"
            else:
                answers[material.id] = "found" if found else "not_found"
        return answers

    def _due_date(self, days: int) -> tuple[date, bool]:
        deadline = self.calendar.add_working_days(self.clock().date(), days)
        return deadline.date, deadline.provisional

    def _part(self, code: str, today: date) -> ServicePart:
        item = self.catalogue.get(code)
        if isinstance(item, Bundle):
            department, days = item.lead_department, item.promised_days
        else:
            department, days = item.department, item.time_limits.promised_days
        deadline = self.calendar.add_working_days(today, days)
        return ServicePart(code, item.name, department, self.catalogue.departments[department].name,
                           deadline.date, deadline.provisional)

    def _lead(self) -> str:
        first = self.catalogue.get(self.codes[0])
        return first.lead_department if isinstance(first, Bundle) else first.department

    def _delivery(self) -> str:
        chosen = self._record.form.get("delivery")
        if chosen:
            return chosen
        if all(service.delivery.on_the_spot for service in self.services):
            return "on_the_spot"
        return "pickup"

    def _contact(self) -> dict:
        department = self.catalogue.departments[self._lead()]
        return {"department": department.name, "phone": department.phone}

    def _check_delivery(self, result: FormResult) -> FormResult:
        if result.values.get("delivery") != "mail" or result.values.get("mailing_address"):
            return result
        if any(error.field == "mailing_address" for error in result.errors):
            return result
        error = FieldError("mailing_address", "邮寄地址", "required", "选择邮寄时请填写邮寄地址",
                           "a mailing address is needed when the result is mailed")
        return FormResult(result.values, result.errors + [error], result.unknown)

    def _identity_mismatch(self, result: FormResult) -> list[FieldError]:
        """With a card read by the kiosk, the form's name and ID number must be the card's."""
        applicant = self._record.applicant
        if applicant is None or not applicant.verified:
            return []
        errors = []
        for name, label, expected in (("name", "姓名", applicant.name), ("id_number", "身份证号码", applicant.id_number)):
            given = result.values.get(name)
            if given and str(given) != expected:
                errors.append(FieldError(name, label, "identity_mismatch", f"{label}必须与读取的证件一致",
                                         f"the {name.replace('_', ' ')} must match the card that was read"))
        return errors


def recovery(snapshot: dict, now: datetime, resume_window: timedelta = timedelta(minutes=3)) -> str:
    """After a restart: ``finish`` an accepted application (its receipt is owed), ``resume`` a recent
    draft once the same person identifies again, ``abandon`` anything older (the citizen has gone)."""
    step = Step(snapshot.get("step", Step.IDENTIFY))
    if step == Step.SUBMITTED:
        return "finish"
    if step in (Step.DONE, Step.ABANDONED) or not snapshot.get("history"):
        return "abandon"
    last = datetime.fromisoformat(snapshot["history"][-1][1])
    return "resume" if timedelta(0) <= now - last <= resume_window else "abandon"

