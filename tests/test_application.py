"""The application flow as a citizen, an operator and a power cut meet it."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flows.applicant import Applicant, Consent, Operator
from flows.application import Application, FlowError, LookupUnavailable, Step, recovery
from flows.catalogue import parse_catalogue
from flows.materials import MaterialFile
from tests.catalogue_support import (
    CARD_ID,
    CARD_NAME,
    JPEG,
    PDF,
    PNG,
    Clock,
    MemoryStore,
    build_catalogue,
    card_applicant,
    catalogue_data,
    material,
    no_holidays,
    service,
)

CATALOGUE = build_catalogue()


def started(codes=("T-ELDER",), *, applicant=None, store=None, operator=None, clock=None) -> Application:
    app = Application(CATALOGUE, no_holidays(), store=store, operator=operator, clock=clock or Clock())
    app.identify(applicant or card_applicant())
    app.choose(codes, shared={"mobile": "13800138000"})
    return app


def filled(codes=("T-ELDER",), **kwargs) -> Application:
    app = started(codes, **kwargs)
    assert app.fill({}).ok
    return app


def test_card_read_prefills_the_form_and_stands_for_the_id_material():
    app = filled()
    assert app.form["name"] == CARD_NAME and app.form["id_number"] == CARD_ID
    assert app.form["mobile"] == "13800138000"
    app.supply("photo", [MaterialFile("photo.jpg", JPEG)])
    result = app.check()
    assert result.complete
    assert result.supplied == {"id_card": "shared_data", "photo": "capture"}


def test_happy_path_ends_with_a_numbered_acceptance_and_forgets_the_citizen():
    store = MemoryStore()
    app = filled(store=store)
    app.supply("photo", [MaterialFile("photo.jpg", JPEG)])
    app.check()
    summary = app.review()
    assert summary["services"] == ["老年人优待证办理"]
    acceptance = app.submit("41122126112001000016")
    assert acceptance.promised_date == date(2026, 11, 20)          # 即办: today
    assert acceptance.department_name == "渑池县民政局"
    assert acceptance.applicant_masked == "张*明 411221********3013"
    assert acceptance.delivery == "on_the_spot"
    app.finish()
    assert app.step == Step.DONE and app.applicant is None and not app.form
    assert store.cleared == 1 and not store.files


def test_every_step_is_saved_before_the_next_one():
    store = MemoryStore()
    app = filled(store=store)
    app.supply("photo", [MaterialFile("photo.jpg", JPEG)])
    app.check()
    app.review()
    steps = [snapshot["step"] for snapshot in store.snapshots]
    assert steps == ["choose", "form", "materials", "materials", "check", "review"]
    assert list(store.files) == [MaterialFile("p", JPEG).sha256]


def test_one_notice_lists_every_gap_at_once_with_what_is_required():
    app = started(("T-BUS",), applicant=Applicant(CARD_NAME, CARD_ID, "form"))
    app.fill({})
    app.supply("photo", [MaterialFile("photo.txt", b"hello")])
    result = app.check()
    assert not result.complete
    notice = app.notice()
    gaps = {gap["material"]: gap for gap in notice["missing"]}
    assert set(gaps) == {"id_card", "photo", "elder_card"}
    assert gaps["photo"]["reason"] == "invalid" and "JPG" in gaps["photo"]["reason_text"]
    assert gaps["id_card"]["reason"] == "e_licence_unavailable"
    assert gaps["id_card"]["requirement"].startswith("居民身份证原件1份")
    assert notice["contact"] == {"department": "渑池县交通运输局", "phone": "0398-4800030"}
    with pytest.raises(FlowError) as refused:
        app.review()
    assert refused.value.code == "incomplete"


class Licences:
    def __init__(self, held=(), down=False):
        self.held, self.down, self.asked = set(held), down, []

    def has_licence(self, licence_type, id_number):
        self.asked.append((licence_type, id_number))
        if self.down:
            raise LookupUnavailable("platform unreachable")
        return licence_type in self.held


def test_an_e_licence_replaces_the_paper_material():
    app = filled(("T-BUS",))
    app.supply("photo", [MaterialFile("p.png", PNG)])
    lookup = Licences(held={"elderly_card"})
    result = app.check(lookup=lookup)
    assert result.complete and result.supplied["elder_card"] == "e_licence"
    assert lookup.asked == [("elderly_card", CARD_ID)]       # the card read covers id_card: not asked


def test_e_licence_lookup_down_or_empty_asks_for_paper():
    for lookup, reason in ((Licences(down=True), "e_licence_unavailable"), (Licences(), "e_licence_not_found")):
        app = filled(("T-BUS",))
        app.supply("photo", [MaterialFile("p.png", PNG)])
        result = app.check(lookup=lookup)
        assert [(gap.material.id, gap.reason) for gap in result.gaps] == [("elder_card", reason)]


def test_deferral_accepts_with_a_due_date_when_only_auxiliary_materials_are_missing():
    app = filled(("T-SHOP",))
    app.supply("premises_proof", [MaterialFile("lease.pdf", PDF)])
    assert [gap.material.id for gap in app.check().gaps] == ["lease_contract"]
    result = app.check(commit=True)
    assert result.complete
    (deferral,) = result.deferrals
    assert deferral.material.id == "lease_contract"
    assert deferral.due == date(2026, 11, 27)                 # 5 working days after Friday 20 November
    app.review()
    accepted = app.submit("1").to_dict()
    assert accepted["deferred"] == [{"material": "lease_contract", "name": "租赁合同", "due": "2026-11-27",
                                     "provisional": True}]


def test_notification_commitment_replaces_proof_with_a_signed_commitment():
    app = filled(("T-SHOP",))
    result = app.check(commit=True)
    assert result.complete
    assert [m.id for m in result.commitments] == ["premises_proof"]
    assert result.supplied["premises_proof"] == "commitment"


def test_commitment_cannot_cover_a_missing_main_material():
    app = started(("T-SHOP",), applicant=Applicant(CARD_NAME, CARD_ID, "form"))
    app.fill({"mobile": "13800138000"})
    result = app.check(commit=True)
    assert not result.complete and not result.can_commit
    gaps = {gap.material.id: gap for gap in result.gaps}
    assert set(gaps) == {"id_card", "premises_proof", "lease_contract"}   # still every gap at once
    assert gaps["lease_contract"].may_defer and gaps["premises_proof"].may_commit
    assert not gaps["id_card"].may_defer and not gaps["id_card"].may_commit


def test_several_services_share_one_form_and_one_set_of_materials():
    app = filled(("T-ELDER", "T-BUS"))
    names = [field.name for field in app.fields]
    assert names == ["name", "id_number", "mobile"]
    assert [requirement.material.id for requirement in app.needed] == ["id_card", "photo", "elder_card"]
    assert app.needed[0].services == ("T-ELDER", "T-BUS")
    app.supply("photo", [MaterialFile("p.jpg", JPEG)])
    app.supply("elder_card", [MaterialFile("c.jpg", JPEG)])
    app.check()
    app.review()
    accepted = app.submit("2")
    assert [part.promised_date for part in accepted.parts] == [date(2026, 11, 20), date(2026, 11, 25)]
    assert accepted.promised_date == date(2026, 11, 25)


def test_a_bundle_is_led_by_its_lead_department_with_its_own_limit():
    app = filled(("B-ELDER",))
    app.supply("photo", [MaterialFile("p.jpg", JPEG)])
    app.supply("elder_card", [MaterialFile("c.jpg", JPEG)])
    app.check()
    app.review()
    accepted = app.submit("3")
    assert accepted.department_name == "渑池县民政局"
    assert accepted.promised_date == date(2026, 11, 27)


def test_a_limit_running_into_a_year_without_holiday_data_is_provisional():
    from flows.workdays import WorkCalendar
    calendar = WorkCalendar.load()                 # the package's data: up to 2026
    app = Application(CATALOGUE, calendar, clock=Clock(datetime(2026, 12, 10, 9)))
    app.identify(card_applicant())
    app.choose(["T-LONG"], shared={"mobile": "13800138000"})
    app.fill({})
    app.supply("photo", [MaterialFile("p.jpg", JPEG)])
    app.check()
    app.review()
    accepted = app.submit("4")
    assert accepted.provisional and accepted.promised_date.year == 2027
    early = Application(CATALOGUE, calendar, clock=Clock(datetime(2026, 11, 2, 9)))
    early.identify(card_applicant())
    early.choose(["T-ELDER"], shared={"mobile": "13800138000"})
    early.fill({})
    early.supply("photo", [MaterialFile("p.jpg", JPEG)])
    early.check()
    early.review()
    assert not early.submit("5").provisional


def test_form_errors_name_every_bad_field_and_keep_what_was_typed():
    app = started(applicant=Applicant("", "", "form"))
    result = app.fill({"name": "李四", "id_number": "411221195603083014", "mobile": "1234"})
    assert {error.field for error in result.errors} == {"id_number", "mobile"}
    assert app.step == Step.FORM
    assert app.form["mobile"] == "1234"
    assert app.fill({"id_number": CARD_ID, "mobile": "138 0013 8000"}).ok
    assert app.step == Step.MATERIALS and app.form["mobile"] == "13800138000"


def test_mailing_needs_an_address():
    app = started(("T-SHOP",))
    result = app.fill({"delivery": "mail", "mailing_address": ""})
    assert [error.field for error in result.errors] == ["mailing_address"]
    assert app.fill({"delivery": "mail", "mailing_address": "河南省渑池县城关镇黄河路12号"}).ok


def test_a_card_read_identity_cannot_be_typed_over():
    app = started()
    result = app.fill({"name": "王五"})
    assert [(error.field, error.code) for error in result.errors] == [("name", "identity_mismatch")]


def test_an_operator_needs_the_citizens_consent_and_both_are_recorded():
    operator = Operator("V-0012", "王站长", "仰韶镇东关村便民服务站")
    app = filled(operator=operator)
    app.supply("photo", [MaterialFile("p.jpg", JPEG)])
    app.check()
    app.review()
    with pytest.raises(FlowError) as refused:
        app.submit("6")
    assert refused.value.code == "no_consent"
    app.give_consent(Consent("card", datetime(2026, 11, 20, 10, 1)))
    accepted = app.submit("6").to_dict()
    assert accepted["operator"]["operator_id"] == "V-0012"
    assert accepted["consent"] == {"method": "card", "at": "2026-11-20T10:01:00"}
    assert accepted["applicant"] == "张*明 411221********3013"


def test_timeout_drops_every_trace_and_closes_the_application():
    store = MemoryStore()
    app = filled(store=store)
    app.supply("photo", [MaterialFile("p.jpg", JPEG)])
    app.abandon("timeout")
    assert app.step == Step.ABANDONED
    assert app.applicant is None and not app.form and app.completeness is None
    assert store.cleared == 1 and not store.snapshots and not store.files
    text = repr(vars(app)) + repr(app.history)
    assert CARD_NAME not in text and CARD_ID not in text
    with pytest.raises(FlowError) as closed:
        app.fill({})
    assert closed.value.code == "closed"


def test_a_power_cut_resumes_where_the_citizen_was():
    store = MemoryStore()
    clock = Clock()
    app = filled(("T-SHOP",), store=store, clock=clock)
    app.fill({"delivery": "mail", "mailing_address": "河南省渑池县城关镇黄河路12号"})
    app.supply("premises_proof", [MaterialFile("p.pdf", PDF)])
    snapshot = store.snapshots[-1]
    clock.now += timedelta(seconds=90)
    assert recovery(snapshot, clock.now) == "resume"
    again = Application.restore(snapshot, CATALOGUE, no_holidays(), store, clock=clock)
    assert again.step == Step.MATERIALS
    assert again.form["delivery"] == "mail" and again.applicant.id_number == CARD_ID
    assert [gap.material.id for gap in again.check().gaps] == ["lease_contract"]
    assert recovery(snapshot, clock.now + timedelta(minutes=10)) == "abandon"


def test_recovery_finishes_an_accepted_application_and_refuses_to_restore_it():
    store = MemoryStore()
    app = filled(store=store)
    app.supply("photo", [MaterialFile("p.jpg", JPEG)])
    app.check()
    app.review()
    app.submit("7")
    snapshot = store.snapshots[-1]
    assert snapshot["acceptance_number"] == "7"
    assert recovery(snapshot, datetime(2026, 11, 21)) == "finish"
    with pytest.raises(FlowError):
        Application.restore(snapshot, CATALOGUE, no_holidays(), store)


def test_unknown_services_and_materials_are_refused_clearly():
    app = Application(CATALOGUE, no_holidays(), clock=Clock())
    app.identify(card_applicant())
    with pytest.raises(FlowError) as unknown:
        app.choose(["NOPE"])
    assert unknown.value.code == "unknown_service" and "NOPE" in unknown.value.zh
    app.choose(["T-ELDER"])
    app.fill({"mobile": "13800138000"})
    with pytest.raises(FlowError) as material_error:
        app.supply("diploma", [MaterialFile("d.jpg", JPEG)])
    assert material_error.value.code == "unknown_material"


def test_steps_out_of_order_are_refused():
    app = Application(CATALOGUE, no_holidays(), clock=Clock())
    with pytest.raises(FlowError) as wrong:
        app.choose(["T-ELDER"])
    assert wrong.value.code == "wrong_step"
    app.identify(card_applicant())
    app.choose(["T-ELDER"], shared={"mobile": "13800138000"})
    app.fill({})
    app.back(Step.CHOOSE)
    app.choose(["T-BUS"])
    assert app.form["mobile"] == "13800138000"        # data entered once survives a change of service


def _flex_catalogue():
    """Materials of every kind, to draw random applications from."""
    data = catalogue_data()
    kinds = [
        material("m_main", "主材料"),
        material("m_optional", "可选材料", required=False),
        material("m_defer", "可容缺材料", role="auxiliary", deferrable=True, defer_days=3),
        material("m_commit", "可承诺材料", commitment=True),
        material("m_licence", "电子证照材料", e_licence="business_licence"),
    ]
    data["services"] = [service("FLEX", "测试事项", days=2, materials=kinds, notification_commitment=True)]
    data["bundles"] = []
    return parse_catalogue(data, "flex.json")


FLEX = _flex_catalogue()
IDS = [m.id for m in FLEX.services["FLEX"].materials]


@settings(max_examples=60, deadline=None)
@given(supplied=st.sets(st.sampled_from(IDS)), broken=st.sets(st.sampled_from(IDS)),
       licences=st.booleans(), commit=st.booleans())
def test_completeness_lists_exactly_the_unmet_requirements(supplied, broken, licences, commit):
    app = Application(FLEX, no_holidays(), clock=Clock())
    app.identify(Applicant(CARD_NAME, CARD_ID, "form"))
    app.choose(["FLEX"])
    assert app.fill({"mobile": "13800138000"}).ok
    for mid in supplied:
        app.supply(mid, [MaterialFile("x", b"" if mid in broken else JPEG)])
    lookup = Licences(held={"business_licence"} if licences else ())
    result = app.check(lookup=lookup, commit=commit)
    invalid = supplied & broken
    met = (supplied - broken) | ({"m_licence"} if licences and "m_licence" not in supplied else set())
    unmet = {mid for mid in IDS if mid not in met and (mid != "m_optional" or mid in invalid)}
    committable = {"m_defer", "m_commit"}
    if commit and unmet and unmet <= committable:
        assert result.complete
        assert {d.material.id for d in result.deferrals} | {m.id for m in result.commitments} == unmet
    else:
        assert {gap.material.id for gap in result.gaps} == unmet
        assert result.complete == (not unmet)


def test_birth_date_and_sex_come_from_the_id_number_when_not_typed():
    data = catalogue_data()
    sex = {"name": "sex", "label": "性别", "label_en": "Sex", "type": "choice", "required": True,
           "options": [{"value": "男", "label": "男", "label_en": "Male"},
                       {"value": "女", "label": "女", "label_en": "Female"}]}
    birth = {"name": "birth_date", "label": "出生日期", "label_en": "Birth date", "type": "date", "required": True}
    data["services"][0]["form_fields"] += [sex, birth]
    app = Application(parse_catalogue(data, "t.json"), no_holidays(), clock=Clock())
    app.identify(Applicant("", "", "form"))
    app.choose(["T-ELDER"])
    assert app.fill({"name": "李芳", "id_number": "110101199003078021", "mobile": "13800138000"}).ok
    assert app.form["birth_date"] == "1990-03-07" and app.form["sex"] == "女"
