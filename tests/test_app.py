"""The kiosk app in a real window under Xvfb, with the emulated reader on a pseudo-terminal.

tests/gui_harness.py runs the production app and a scripted citizen in a subprocess (Kivy runs one
app per process) and reports what the screens showed; these tests check that report, the
screenshots and the log.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CARD = json.loads((ROOT / "assets/sim/cards/resident.json").read_text(encoding="utf-8"))
pytestmark = pytest.mark.gui


def run_harness(tmp_path: Path, orientation: str) -> tuple[dict, Path]:
    home = tmp_path / "home"
    out = tmp_path / "out"
    env = dict(os.environ, KIOSK_HOME=str(home), KIVY_NO_ARGS="1")
    command = [sys.executable, str(ROOT / "tests/gui_harness.py"), "--out", str(out),
               "--orientation", orientation, "--idle", "2"]
    if not os.environ.get("DISPLAY"):
        if not shutil.which("xvfb-run"):
            pytest.fail("xvfb-run is missing: install the xvfb package (the README's set-up does)")
        command = ["xvfb-run", "-a", "-s", "-screen 0 1920x1920x24"] + command
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=180)
    report_file = out / "report.json"
    assert report_file.exists(), f"harness wrote no report:\n{done.stderr[-3000:]}"
    report = json.loads(report_file.read_text(encoding="utf-8"))
    assert report["error"] is None, report["error"]
    assert done.returncode == 0, done.stderr[-3000:]
    return report, home


@pytest.fixture(scope="module", params=["landscape", "portrait"])
def session_run(request, tmp_path_factory):
    return run_harness(tmp_path_factory.mktemp(request.param), request.param) + (request.param,)


def test_window_has_the_orientation_asked_for(session_run):
    report, _, orientation = session_run
    width, height = report["window"]
    assert (width > height) == (orientation == "landscape")


def test_attract_invites_a_card_in_chinese_and_english(session_run):
    attract = session_run[0]["phases"]["attract"]
    assert attract["screen"] == "attract"
    assert "请放置身份证" in attract["attract"]["prompt"]
    assert "ID card" in attract["attract"]["prompt"]
    assert attract["device"]["device"] == "online"


def test_chinese_renders_in_a_cjk_font_not_empty_boxes(session_run):
    font = session_run[0]["font"]
    assert font["cjk_differs_from_missing_glyph"] and font["two_cjk_glyphs_differ"]


def test_card_greets_the_citizen_masked(session_run):
    greeting = session_run[0]["phases"]["greeting"]
    shown = greeting["greeting"]
    assert greeting["screen"] == "greeting" and greeting["session_active"]
    assert "张*明" in shown["hello"]
    assert "411221********3013" in shown["id_number"]
    assert "身份已确认" in shown["verdict"]
    everything = json.dumps(greeting, ensure_ascii=False)
    assert CARD["name"] not in everything and CARD["id_number"] not in everything
    assert CARD["address"] not in everything


def test_screenshots_show_the_screens(session_run):
    report = session_run[0]
    width, height = report["window"]
    for phase in ("attract", "greeting"):
        shot = report["phases"][phase]
        assert Path(shot["screenshot"]).stat().st_size > 5000
        assert (shot["pixels"]["width"], shot["pixels"]["height"]) == (width, height)
        assert shot["pixels"]["distinct_colours"] > 20, f"{phase} screenshot looks blank"


def test_idle_timeout_forgets_the_citizen(session_run):
    report = session_run[0]
    after = report["phases"]["after_timeout"]
    assert after["screen"] == "attract" and not after["session_active"]
    assert all(value == "" for key, value in after["greeting"].items() if key != "exit")
    assert report["live_cards_during_session"] == 1
    assert report["live_cards_after_timeout"] == 0


def test_no_string_of_the_card_survives_the_session(session_run):
    report = session_run[0]
    assert report["traces_during_session"], "the scan must see the card while the session holds it"
    assert report["traces_after_timeout"] == []
    assert report["traces_after_exit"] == []


def test_exit_button_forgets_the_citizen(session_run):
    report = session_run[0]
    after = report["phases"]["after_exit"]
    assert after["screen"] == "attract" and not after["session_active"]
    assert after["greeting"]["hello"] == ""
    assert report["live_cards_after_exit"] == 0


def test_card_lifted_mid_read_asks_to_place_it_again(session_run):
    lifted = session_run[0]["phases"]["lifted"]
    assert lifted["screen"] == "attract"
    assert "重新放置" in lifted["attract"]["notice"]
    assert lifted["device"]["device"] == "online"


def test_unplugged_reader_is_reported_and_comes_back(session_run):
    report = session_run[0]
    unplugged = report["phases"]["unplugged"]
    assert unplugged["device"]["device"] in ("offline", "noDevice")
    assert "请联系工作人员" in unplugged["attract"]["notice"]
    again = report["phases"]["after_replug"]
    assert again["screen"] == "greeting" and again["device"]["device"] == "online"


def test_log_holds_no_personal_data(session_run):
    _, home, _ = session_run
    log = (home / "logs" / "kiosk.log").read_text(encoding="utf-8")
    assert "session started" in log and "card read" in log
    for secret in (CARD["name"], CARD["id_number"], CARD["address"]):
        assert secret not in log
