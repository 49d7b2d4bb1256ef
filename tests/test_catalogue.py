"""The catalogue: the shipped one is complete, and a bad one is refused naming file, service and field."""
from __future__ import annotations

import json

import pytest

from flows.catalogue import (
    DEFAULT_CATALOGUE,
    CatalogueError,
    load_catalogue,
    parse_catalogue,
)
from flows.guide import Bundle, Service
from provisioning.datasets import current_catalogue, pushed_catalogue_path
from tests.catalogue_support import catalogue_data
from tests.catalogue_support import material as make_material

SHIPPED = load_catalogue() if DEFAULT_CATALOGUE.exists() else None


def _filled(value, where: str) -> list[str]:
    """Every empty string or empty list inside a guide element, by path."""
    if isinstance(value, str):
        return [] if value.strip() else [where]
    if isinstance(value, dict):
        return [gap for key, item in value.items() for gap in _filled(item, f"{where}.{key}")]
    if isinstance(value, list):
        if not value:
            return [where]
        return [gap for index, item in enumerate(value) for gap in _filled(item, f"{where}[{index}]")]
    return []


OPTIONAL_EMPTY = {"aliases", "note", "hint", "hint_en", "items", "options"}   # may legitimately be empty


def test_shipped_catalogue_has_the_county_services_and_bundles():
    assert len(SHIPPED.services) >= 24 and len(SHIPPED.bundles) >= 2
    assert SHIPPED.version and SHIPPED.region_code.isdigit()
    names = " ".join(service.name for service in SHIPPED.services.values())
    for kind in ("老年人优待证", "乘车", "养老保险", "医疗保险", "户", "名称", "个体工商户", "高中毕业证书", "会计",
                 "居住证", "残疾", "公积金"):
        assert kind in names, kind


@pytest.mark.parametrize("code", sorted(SHIPPED.services) if SHIPPED else [])
def test_every_service_fills_every_guide_element(code):
    service = SHIPPED.services[code]
    data = service.to_dict()
    gaps = [gap for key, value in data.items() if key not in OPTIONAL_EMPTY
            for gap in _filled(value, key) if gap.rsplit(".", 1)[-1] not in OPTIONAL_EMPTY]
    assert not gaps, gaps
    assert service.fees.charged or service.fees.basis
    for material in service.materials:
        assert material.sample and material.common_mistakes
        assert material.supply                      # at least one way to supply it


def test_bundles_name_a_lead_department_and_existing_services():
    for bundle in SHIPPED.bundles.values():
        members = SHIPPED.members(bundle.code)
        assert len(members) >= 2
        assert bundle.lead_department in {member.department for member in members}


def test_shipped_catalogue_uses_every_flow_feature():
    materials = [m for s in SHIPPED.services.values() for m in s.materials]
    assert any(m.e_licence for m in materials)
    assert any(m.deferrable for m in materials)
    assert any(s.notification_commitment and any(m.commitment for m in s.materials)
               for s in SHIPPED.services.values())
    assert any(s.time_limits.promised_days == 0 for s in SHIPPED.services.values())


def _refused(data: dict) -> CatalogueError:
    with pytest.raises(CatalogueError) as refused:
        parse_catalogue(data, "services.json")
    return refused.value


def test_a_missing_element_names_file_service_and_field():
    data = catalogue_data()
    del data["services"][1]["legal_basis"]
    error = _refused(data)
    assert (error.file, error.service, error.field) == ("services.json", "T-BUS", "legal_basis")
    assert str(error).startswith("services.json: T-BUS: legal_basis")


def test_a_wrong_value_deep_in_a_material_names_the_material():
    data = catalogue_data()
    data["services"][0]["materials"][1]["form"] = "photocopy"
    error = _refused(data)
    assert error.service == "T-ELDER" and error.field == "materials[1].form"


@pytest.mark.parametrize("change, field, words", [
    (lambda d: d["services"][1]["time_limits"].update(statutory_days=1), "time_limits.promised_days", "statutory"),
    (lambda d: d["services"][1]["process"][1].update(days=2), "process", "add up"),
    (lambda d: d["services"][3]["process"].__setitem__(1, {**d["services"][3]["process"][1], "level": "township"}),
     "process", "township"),
    (lambda d: d["services"][3]["time_limits"].update(promised_days=25, statutory_days=30)
     or d["services"][3]["process"][1].update(days=25), "process", "county"),
    (lambda d: d["services"][0].update(department="nope"), "department", "unknown"),
    (lambda d: d["services"][0]["materials"].append(make_material("photo", "照片")), "materials.photo", "twice"),
    (lambda d: d["services"][1]["materials"][1].update(name="照片"), "materials.photo", "different name"),
    (lambda d: d["services"][0]["materials"][1].update(deferrable=True, defer_days=3), "materials.photo", "auxiliary"),
    (lambda d: d["services"][0]["materials"][1].update(commitment=True), "materials.photo", "notification"),
    (lambda d: d["services"][0]["fees"].update(charged=True), "fees", "charged"),
    (lambda d: d["services"][0]["form_fields"].pop(0), "form_fields.name", "source"),
    (lambda d: d["services"][1]["form_fields"][2].update(type="phone"), "form_fields.mobile", "differ"),
])
def test_rules_beyond_the_schema(change, field, words):
    data = catalogue_data()
    change(data)
    error = _refused(data)
    assert error.field == field and words in error.problem, str(error)


def test_bundle_rules():
    data = catalogue_data()
    data["bundles"][0]["services"].append("T-GONE")
    assert "unknown service" in _refused(data).problem
    data = catalogue_data()
    data["bundles"][0]["promised_days"] = 31
    error = _refused(data)
    assert (error.service, error.field) == ("B-ELDER", "promised_days")
    data = catalogue_data()
    data["bundles"][0]["lead_department"] = "sj"
    assert _refused(data).field == "lead_department"


def test_unreadable_files_are_named(tmp_path):
    broken = tmp_path / "services.json"
    broken.write_text('{"version": ', encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"^services.json: not JSON: line 1"):
        load_catalogue(broken)
    with pytest.raises(CatalogueError, match="cannot read"):
        load_catalogue(tmp_path / "missing.json")


def test_a_pushed_catalogue_replaces_the_shipped_one_only_if_it_is_valid(kiosk_home):
    pushed = pushed_catalogue_path(kiosk_home)
    pushed.parent.mkdir(parents=True)
    data = json.loads(DEFAULT_CATALOGUE.read_text(encoding="utf-8"))
    data["version"] = "2099.1.1"
    pushed.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert current_catalogue(home=kiosk_home).version == "2099.1.1"
    del data["services"][0]["materials"]
    pushed.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert current_catalogue(home=kiosk_home).version == SHIPPED.version


def test_guides_print_back_to_the_schema_shape():
    for item in [*SHIPPED.services.values(), *SHIPPED.bundles.values()]:
        data = item.to_dict()
        assert data["code"] == item.code
        if isinstance(item, Service):
            for material in data["materials"]:
                material.pop("supply")
            assert set(data) >= {"legal_basis", "materials", "form_fields", "time_limits", "channels"}
        else:
            assert isinstance(item, Bundle) and data["services"]
