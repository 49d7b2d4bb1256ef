"""``kioskctl catalogue`` and ``kioskctl apply`` as a technician or an operator runs them."""
from __future__ import annotations

import json
import subprocess

import pytest

from flows.numbers import is_application_number
from tests.catalogue_support import CARD_ID, CARD_NAME, JPEG, PDF
from tests.idcard_support import KIOSKCTL, ROOT


def kioskctl(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*KIOSKCTL, *args], capture_output=True, text=True, encoding="utf-8", timeout=60,
                          cwd=ROOT, check=False)


def as_json(done: subprocess.CompletedProcess):
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def code_of(name: str) -> str:
    hits = as_json(kioskctl("catalogue", "search", name, "--json"))
    return hits[0]["code"]


def test_list_shows_every_service_and_filters_by_audience():
    rows = as_json(kioskctl("catalogue", "list", "--json"))
    assert len([r for r in rows if r["kind"] == "service"]) >= 24
    assert len([r for r in rows if r["kind"] == "bundle"]) >= 2
    enterprise = as_json(kioskctl("catalogue", "list", "--audience", "enterprise", "--json"))
    assert enterprise and all("enterprise" in r["audience"] for r in enterprise)
    assert len(enterprise) < len(rows)
    text = kioskctl("catalogue", "list")
    assert text.returncode == 0 and "老年人优待证" in text.stdout and "工作日" in text.stdout


@pytest.mark.parametrize("query", ["ldyyz", "laonian", "老年人优待", "lnrydz"])
def test_search_finds_the_elderly_card_by_chinese_pinyin_or_initials(query):
    hits = as_json(kioskctl("catalogue", "search", query, "--json"))
    assert any("老年人优待证" in hit["name"] for hit in hits[:3]), hits


def test_show_prints_the_whole_guide_with_form_fields_and_materials():
    code = code_of("老年人优待证")
    guide = as_json(kioskctl("catalogue", "show", code, "--json"))
    for key in ("name", "code", "type", "implementing_body", "legal_basis", "conditions", "fees", "time_limits",
                "process", "result", "channels", "place", "contact", "delivery"):
        assert guide[key] not in (None, "", []), key
    assert {"name", "label", "type", "required"} <= set(guide["form_fields"][0])
    assert {"id", "name", "required", "supply"} <= set(guide["materials"][0])
    text = kioskctl("catalogue", "show", code)
    assert "申请材料 Materials" in text.stdout
    missing = kioskctl("catalogue", "show", "NO-SUCH")
    assert missing.returncode == 1 and "NO-SUCH" in missing.stderr


def test_show_a_bundle_gives_one_form_and_one_set_of_materials():
    rows = as_json(kioskctl("catalogue", "list", "--json"))
    bundle = next(r for r in rows if r["kind"] == "bundle")
    guide = as_json(kioskctl("catalogue", "show", bundle["code"], "--json"))
    names = [f["name"] for f in guide["form_fields"]]
    ids = [m["id"] for m in guide["materials"]]
    assert len(names) == len(set(names)) and len(ids) == len(set(ids))
    assert len(guide["members"]) >= 2


def _form(tmp_path, guide: dict, **values) -> str:
    """A form filled the way an operator would: every required field with a sensible value."""
    defaults = {"text": "测试", "id_number": CARD_ID, "mobile": "13800138000", "phone": "0398-4812345",
                "date": "2020-01-01", "address": "河南省渑池县城关镇黄河路12号", "postal_code": "472400",
                "integer": "1", "money": "100.00", "email": "a@example.cn", "boolean": "是"}
    form = {}
    for field in guide["form_fields"]:
        if not field["required"]:
            continue
        if field["type"] == "choice":
            form[field["name"]] = field["options"][0]["value"]
        else:
            form[field["name"]] = defaults[field["type"]]
    form.update({"name": CARD_NAME, "id_number": CARD_ID, "sex": "男", "birth_date": "1956-03-08", **values})
    path = tmp_path / "form.json"
    path.write_text(json.dumps(form, ensure_ascii=False), encoding="utf-8")
    return str(path)


def test_apply_without_materials_gives_the_one_time_notice(tmp_path):
    code = code_of("老年人优待证")
    guide = as_json(kioskctl("catalogue", "show", code, "--json"))
    result = as_json(kioskctl("apply", "--service", code, "--form", _form(tmp_path, guide), "--json"))
    assert result["status"] == "incomplete"
    required = {m["id"] for m in guide["materials"] if m["required"]}
    assert {gap["material"] for gap in result["missing"]} == required
    assert all(gap["requirement"] for gap in result["missing"])


def test_apply_with_materials_is_accepted_and_queued(tmp_path, kiosk_home):
    code = code_of("老年人优待证")
    guide = as_json(kioskctl("catalogue", "show", code, "--json"))
    photo = tmp_path / "id.jpg"
    photo.write_bytes(JPEG)
    materials = [arg for m in guide["materials"] if m["required"] for arg in ("--material", f"{m['id']}={photo}")]
    result = as_json(kioskctl("apply", "--service", code, "--form", _form(tmp_path, guide), *materials, "--json"))
    assert result["status"] == "accepted"
    assert is_application_number(result["application_number"])
    assert result["promised_date"][:4].isdigit() and result["department"]
    assert result["applicant"] == "张*明 411221********3013"
    queued = kioskctl("apply", "--service", code, "--form", _form(tmp_path, guide), *materials)
    assert "办件编号" in queued.stdout
    on_disk = b"".join(p.read_bytes() for p in (kiosk_home / "outbox").rglob("*") if p.is_file())
    assert CARD_ID.encode() not in on_disk and CARD_NAME.encode() not in on_disk and JPEG[64:200] not in on_disk


def test_apply_with_commitment_accepts_a_deferrable_gap(tmp_path):
    catalogue = as_json(kioskctl("catalogue", "list", "--json"))
    for row in catalogue:
        guide = as_json(kioskctl("catalogue", "show", row["code"], "--json"))
        deferrable = [m for m in guide["materials"] if m["required"] and "defer" in m["supply"]]
        if row["kind"] == "service" and deferrable:
            break
    else:
        pytest.skip("no service with a deferrable material")
    page = tmp_path / "page.pdf"
    page.write_bytes(PDF)
    given = [arg for m in guide["materials"] if m["required"] and m not in deferrable
             for arg in ("--material", f"{m['id']}={page}")]
    form = _form(tmp_path, guide)
    notice = as_json(kioskctl("apply", "--service", guide["code"], "--form", form, *given, "--json"))
    assert notice["status"] == "incomplete" and notice["can_commit"]
    accepted = as_json(kioskctl("apply", "--service", guide["code"], "--form", form, *given, "--commit-missing",
                                "--json"))
    assert accepted["status"] == "accepted"
    assert {d["material"] for d in accepted["deferred"]} == {m["id"] for m in deferrable}


def test_invalid_form_data_exits_non_zero_naming_each_bad_field(tmp_path):
    code = code_of("老年人优待证")
    guide = as_json(kioskctl("catalogue", "show", code, "--json"))
    form = _form(tmp_path, guide, id_number="411221195603083014", mobile="12345")
    done = kioskctl("apply", "--service", code, "--form", form)
    assert done.returncode != 0
    assert "id_number" in done.stderr and "mobile" in done.stderr
    assert "Traceback" not in done.stderr
    as_json_output = kioskctl("apply", "--service", code, "--form", form, "--json")
    assert as_json_output.returncode != 0
    errors = json.loads(as_json_output.stdout)["errors"]
    assert {e["field"] for e in errors} == {"id_number", "mobile"}


def test_apply_refuses_unknown_services_and_unreadable_files_clearly(tmp_path):
    form = tmp_path / "form.json"
    form.write_text("{}", encoding="utf-8")
    unknown = kioskctl("apply", "--service", "NO-SUCH", "--form", str(form))
    assert unknown.returncode == 2 and "NO-SUCH" in unknown.stderr
    missing = kioskctl("apply", "--service", code_of("老年人优待证"), "--form", str(tmp_path / "none.json"))
    assert missing.returncode == 2 and "none.json" in missing.stderr
    bad_material = kioskctl("apply", "--service", code_of("老年人优待证"), "--form", str(form),
                            "--material", "id_card")
    assert bad_material.returncode == 2 and "ID=PATH" in bad_material.stderr
