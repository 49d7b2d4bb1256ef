"""Drafts and the outbox on disk: sealed at rest, whole after a crash, gone when finished."""
from __future__ import annotations

import os
import stat

import pytest

from flows.application import Application, Step
from flows.materials import MaterialFile
from flows.numbers import is_application_number
from tests.catalogue_support import (
    CARD_ID,
    CARD_NAME,
    JPEG,
    PDF,
    Clock,
    build_catalogue,
    card_applicant,
    no_holidays,
)
from uplink.drafts import DraftStore
from uplink.outbox import Outbox, OutboxError
from uplink.sealing import SealedBox, SealError

CATALOGUE = build_catalogue()
SECRETS = (CARD_NAME.encode(), CARD_ID.encode(), JPEG[64:200], "黄河路".encode())


def disk_bytes(root) -> bytes:
    return b"".join(path.read_bytes() for path in root.rglob("*") if path.is_file())


def draft_in_progress(store: DraftStore) -> Application:
    app = Application(CATALOGUE, no_holidays(), store=store, clock=Clock())
    app.identify(card_applicant())
    app.choose(["T-SHOP"], shared={"mobile": "13800138000"})
    assert app.fill({"delivery": "mail", "mailing_address": "河南省渑池县城关镇黄河路12号"}).ok
    app.supply("premises_proof", [MaterialFile("lease.jpg", JPEG)])
    return app


def test_a_draft_on_disk_is_sealed_and_survives_a_restart(kiosk_home):
    draft_in_progress(DraftStore(kiosk_home))
    on_disk = disk_bytes(kiosk_home / "drafts")
    assert on_disk and not any(secret in on_disk for secret in SECRETS)
    key = kiosk_home / "keys" / "draft.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600

    after_power_cut = DraftStore(kiosk_home)          # a new process: only the disk remains
    snapshot = after_power_cut.load()
    app = Application.restore(snapshot, CATALOGUE, no_holidays(), after_power_cut, clock=Clock())
    assert app.step == Step.MATERIALS and app.form["mailing_address"].endswith("12号")
    assert app.check().supplied["premises_proof"] == "capture"


def test_abandoning_shreds_the_draft_and_its_key(kiosk_home):
    store = DraftStore(kiosk_home)
    app = draft_in_progress(store)
    sealed = (kiosk_home / "drafts" / "draft.bin").read_bytes()
    old_key = (kiosk_home / "keys" / "draft.key").read_bytes()
    app.abandon("timeout")
    assert not list((kiosk_home / "drafts").iterdir())
    assert not (kiosk_home / "keys" / "draft.key").exists()
    assert DraftStore(kiosk_home).load() is None
    with pytest.raises(SealError):                      # even a copy of the disk no longer opens
        SealedBox(os.urandom(32)).open(sealed, "draft")
    assert SealedBox(old_key).open(sealed, "draft")      # (only the deleted key could have)


def test_a_damaged_draft_is_dropped_not_resumed(kiosk_home):
    store = DraftStore(kiosk_home)
    draft_in_progress(store)
    path = kiosk_home / "drafts" / "draft.bin"
    path.write_bytes(path.read_bytes()[:-5])
    assert DraftStore(kiosk_home).load() is None
    assert not path.exists()


def test_sealed_blobs_are_bound_to_their_purpose():
    box = SealedBox(os.urandom(32))
    blob = box.seal(b"page", "material:abc")
    assert box.open(blob, "material:abc") == b"page"
    with pytest.raises(SealError):
        box.open(blob, "material:other")
    with pytest.raises(SealError):
        box.open(b"not sealed", "material:abc")


def _accepted(outbox: Outbox) -> tuple[dict, dict]:
    app = draft_in_progress(None)
    app.check(commit=True)
    app.review()
    number = outbox.next_number("411221", 3, Clock().now.date())
    acceptance = app.submit(number)
    record = {**acceptance.to_dict(), "applicant_identity": app.applicant.to_dict(), "form": dict(app.form)}
    files = {"premises_proof": [MaterialFile("lease.jpg", JPEG)], "extra": [MaterialFile("a.pdf", PDF)]}
    outbox.accept(record, files, idempotency_key=app.draft_id)
    return record, files


def test_the_outbox_keeps_applications_sealed_and_numbered(kiosk_home):
    outbox = Outbox(kiosk_home)
    record, files = _accepted(outbox)
    (queued,) = outbox.queued()
    assert queued.number == record["application_number"] and is_application_number(queued.number)
    assert queued.number[6:12] == "261120" and queued.number[12:14] == "03"
    assert [m[0] for m in queued.materials] == ["extra", "premises_proof"]
    assert Outbox(kiosk_home).record(queued.number)["applicant_identity"]["id_number"] == CARD_ID
    assert Outbox(kiosk_home).material(files["premises_proof"][0].sha256) == JPEG
    on_disk = disk_bytes(kiosk_home / "outbox")
    assert not any(secret in on_disk for secret in SECRETS)


def test_numbers_continue_across_restarts_and_never_repeat(kiosk_home):
    day = Clock().now.date()
    numbers = [Outbox(kiosk_home).next_number("411221", 1, day) for _ in range(3)]
    assert [n[14:19] for n in numbers] == ["00001", "00002", "00003"]
    assert len(set(numbers)) == 3


def test_the_same_application_is_not_queued_twice(kiosk_home):
    outbox = Outbox(kiosk_home)
    record, files = _accepted(outbox)
    with pytest.raises(OutboxError) as twice:
        outbox.accept(record, files, idempotency_key="another-key")
    assert "已经提交过" in twice.value.zh
    assert len(outbox.queued()) == 1
