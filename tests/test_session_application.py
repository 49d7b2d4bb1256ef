"""The kiosk session and its application: a card starts one, leaving ends it, a power cut resumes it."""
from __future__ import annotations

from datetime import datetime, timedelta

from drivers.idcard.card import CardType, IdentityCard
from flows.application import Step
from flows.materials import MaterialFile
from kiosk.session import Session, recover_draft
from tests.catalogue_support import CARD_ID, CARD_NAME, JPEG, build_catalogue, no_holidays
from uplink.drafts import DraftStore

CATALOGUE = build_catalogue()


def card(number: str = CARD_ID) -> IdentityCard:
    return IdentityCard(CardType.RESIDENT, name=CARD_NAME, sex="男", nation="汉", birth="1956-03-08",
                        address="河南省渑池县城关镇黄河路12号", id_number=number, id_number_valid=True)


def session(home) -> Session:
    return Session(20, CATALOGUE, no_holidays(), DraftStore(home))


def test_a_card_starts_an_application_with_the_card_as_identity(kiosk_home):
    s = session(kiosk_home)
    s.begin(card())
    app = s.application
    assert app.step == Step.CHOOSE and app.applicant.verified
    app.choose(["T-ELDER"])
    assert app.form["name"] == CARD_NAME


def test_ending_the_session_abandons_the_application_and_wipes_the_draft(kiosk_home):
    s = session(kiosk_home)
    s.begin(card())
    s.application.choose(["T-ELDER"])
    assert (kiosk_home / "drafts" / "draft.bin").exists()
    app = s.application
    s.end("timeout")
    assert s.application is None and app.step == Step.ABANDONED and app.applicant is None
    assert not list((kiosk_home / "drafts").iterdir())


def test_after_a_power_cut_the_same_citizen_resumes_and_another_starts_afresh(kiosk_home):
    first = session(kiosk_home)
    first.begin(card())
    first.application.choose(["T-ELDER"])
    first.application.fill({"mobile": "13800138000"})
    first.application.supply("photo", [MaterialFile("p.jpg", JPEG)])
    # power cut: nothing ends the session; a new process starts from the disk
    assert recover_draft(DraftStore(kiosk_home)) == "resume"
    stranger = session(kiosk_home)
    stranger.begin(card("110101199003078021"))
    assert stranger.application.step == Step.CHOOSE and not stranger.application.form
    assert DraftStore(kiosk_home).load()["step"] == "choose"          # the old draft is gone


def test_the_same_citizen_comes_back_to_the_step_they_were_on(kiosk_home):
    first = session(kiosk_home)
    first.begin(card())
    first.application.choose(["T-ELDER"])
    first.application.fill({"mobile": "13800138000"})
    again = session(kiosk_home)
    again.begin(card())
    assert again.application.step == Step.MATERIALS and again.application.form["mobile"] == "13800138000"


def test_an_old_draft_is_wiped_at_start_up(kiosk_home):
    first = session(kiosk_home)
    first.begin(card())
    first.application.choose(["T-ELDER"])
    assert recover_draft(DraftStore(kiosk_home), datetime.now() + timedelta(hours=1)) == "abandon"
    assert DraftStore(kiosk_home).load() is None
