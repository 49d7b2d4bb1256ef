"""The completeness check: every gap at once (一次性告知), 容缺受理 and 告知承诺制.

A citizen must never be sent home twice for the same application, so the check lists every missing or
unusable material in one pass, each with what is required and whether a commitment can stand in for it.
"""
from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import date

from .guide import Material
from .materials import MaterialFile, Requirement, file_problem

REASONS = {
    "missing": ("未提交", "not supplied"),
    "invalid": ("提交的文件不能用", "the supplied file cannot be used"),
    "e_licence_not_found": ("没有查到电子证照，请提交纸质材料", "no electronic licence was found; bring the paper one"),
    "e_licence_unavailable": ("电子证照暂时查不到，请提交纸质材料",
                              "electronic licences cannot be looked up right now; bring the paper one"),
}


@dataclass(frozen=True)
class Gap:
    material: Material
    services: tuple[str, ...]
    reason: str                 # a key of REASONS
    detail: str = ""            # what was wrong with a supplied file, in Chinese
    detail_en: str = ""

    @property
    def may_defer(self) -> bool:
        return self.material.deferrable

    @property
    def may_commit(self) -> bool:
        return self.material.commitment

    def as_dict(self) -> dict:
        material = self.material
        reason_zh, reason_en = REASONS[self.reason]
        return {
            "material": material.id, "name": material.name, "name_en": material.name_en,
            "requirement": material.requirement(), "requirement_en": material.requirement_en(),
            "reason": self.reason, "reason_text": self.detail or reason_zh, "reason_text_en": self.detail_en or reason_en,
            "may_defer": self.may_defer, "may_commit": self.may_commit,
            "sample": material.sample, "common_mistakes": list(material.common_mistakes),
            "services": list(self.services),
        }


@dataclass(frozen=True)
class Deferral:
    """容缺受理: accepted now, the material is due by ``due`` (working days counted on the calendar)."""
    material: Material
    due: date
    provisional: bool


@dataclass(frozen=True)
class Completeness:
    supplied: Mapping[str, str]          # material id -> how: capture, shared_data, e_licence, commitment
    gaps: tuple[Gap, ...]
    deferrals: tuple[Deferral, ...] = ()
    commitments: tuple[Material, ...] = ()

    @property
    def complete(self) -> bool:
        return not self.gaps

    @property
    def can_commit(self) -> bool:
        """Every gap could be closed by the applicant's written commitment (容缺 or 告知承诺)."""
        return bool(self.gaps) and all(gap.may_defer or gap.may_commit for gap in self.gaps)


DueDate = Callable[[int], tuple[date, bool]]


def check(
    needed: tuple[Requirement, ...],
    files: Mapping[str, tuple[MaterialFile, ...]],
    *,
    shared: Collection[str] = (),
    e_licences: Mapping[str, str] | None = None,
    commit: bool = False,
    due_date: DueDate | None = None,
) -> Completeness:
    """``files``: what was captured per material id; ``shared``: shared data sets available for this
    applicant; ``e_licences``: per material id, "found", "not_found" or "unavailable" from the platform
    lookup; ``commit``: the applicant signs the commitment for whatever a commitment can cover;
    ``due_date(working_days)`` gives the date a deferred material is due and whether it is provisional."""
    e_licences = e_licences or {}
    supplied: dict[str, str] = {}
    gaps: list[Gap] = []
    for requirement in needed:
        material = requirement.material
        gap = _gap(requirement, files.get(material.id, ()), shared, e_licences, supplied)
        if gap is not None and (material.required or gap.reason == "invalid"):
            gaps.append(gap)
    pending = Completeness(supplied, tuple(gaps))
    if not (commit and pending.can_commit):
        return pending
    deferrals, commitments = [], []
    for gap in gaps:
        material = gap.material
        if material.commitment:
            commitments.append(material)
            supplied[material.id] = "commitment"
        else:
            if due_date is None:
                raise ValueError("a deferral needs due_date")
            due, provisional = due_date(material.defer_days or 1)
            deferrals.append(Deferral(material, due, provisional))
            supplied[material.id] = "deferred"
    return Completeness(supplied, (), tuple(deferrals), tuple(commitments))


def _gap(requirement: Requirement, given: tuple[MaterialFile, ...], shared: Collection[str],
         e_licences: Mapping[str, str], supplied: dict[str, str]) -> Gap | None:
    material = requirement.material
    if given:
        problems = [problem for problem in map(file_problem, given) if problem is not None]
        if not problems:
            supplied[material.id] = "capture"
            return None
        return Gap(material, requirement.services, "invalid", problems[0].zh, problems[0].en)
    if material.shared_data and material.shared_data in shared:
        supplied[material.id] = "shared_data"
        return None
    if material.e_licence:
        answer = e_licences.get(material.id, "not_found")
        if answer == "found":
            supplied[material.id] = "e_licence"
            return None
        reason = "e_licence_unavailable" if answer == "unavailable" else "e_licence_not_found"
        return Gap(material, requirement.services, reason)
    return Gap(material, requirement.services, "missing")
