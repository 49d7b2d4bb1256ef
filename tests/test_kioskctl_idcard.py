"""``kioskctl idcard ...`` and ``kioskctl sim idcard`` as a technician runs them: real processes, the
emulator in one, the reader command in another, talking over a pseudo-terminal or TCP."""
from __future__ import annotations

import base64
import json
import subprocess
from pathlib import Path

import pytest

from drivers.idcard.card import JSON_KEYS
from drivers.idcard.emulator import load_card
from flows.masking import mask_id_number, mask_name

from idcard_support import CARD_FILES, CARDS_DIR, KIOSKCTL, ROOT, Sim

EXPECTED_KEYS = ["card_type", "name", "name_en", "sex", "nation", "birth", "address", "id_number",
                 "id_number_valid", "authority", "valid_from", "valid_to", "pass_number", "issue_count",
                 "nationality", "photo_wlt"]


@pytest.fixture
def sim_factory():
    sims: list[Sim] = []

    def start(*args: str) -> Sim:
        sim = Sim(*args)
        sims.append(sim)
        return sim

    yield start
    for sim in sims:
        sim.quit()


def kioskctl(*args: str, timeout: float = 30) -> subprocess.CompletedProcess:
    return subprocess.run([*KIOSKCTL, *args], capture_output=True, text=True, encoding="utf-8",
                          timeout=timeout, cwd=ROOT)


def read_json(url: str, *extra: str) -> dict:
    result = kioskctl("idcard", "read", "--port", url, "--json", "--timeout", "2", *extra)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_json_keys_are_the_documented_ones():
    assert list(JSON_KEYS) == EXPECTED_KEYS


@pytest.mark.parametrize("path", CARD_FILES, ids=lambda p: p.stem)
def test_read_json_for_every_sample_card(sim_factory, path):
    sim = sim_factory("--card", str(path))
    assert Path(sim.url).exists()
    data = read_json(sim.url)
    assert list(data) == EXPECTED_KEYS
    fields = load_card(path)
    for key in EXPECTED_KEYS:
        if key in fields:
            assert data[key] == fields[key], key
    assert data["id_number_valid"] is True
    assert len(base64.b64decode(data["photo_wlt"], validate=True)) == 1024
    assert all(value is None or isinstance(value, (str, bool)) for value in data.values())


def test_card_is_read_once_per_presentation_and_no_card_is_one_line(sim_factory):
    sim = sim_factory("--card", str(CARDS_DIR / "resident.json"))
    assert read_json(sim.url)["name"] == "张晓明"
    again = kioskctl("idcard", "read", "--port", sim.url, "--json", "--timeout", "0.3")
    assert again.returncode != 0
    assert again.stdout == ""
    lines = again.stderr.strip().splitlines()
    assert len(lines) == 1 and "No card" in lines[0] and "未放置证件" in lines[0]
    sim.send("lift")
    sim.send("place")
    assert read_json(sim.url)["id_number"] == "411221195603083013"


def test_place_another_card_file(sim_factory):
    sim = sim_factory()
    result = kioskctl("idcard", "read", "--port", sim.url, "--timeout", "0.2")
    assert result.returncode == 1 and len(result.stderr.strip().splitlines()) == 1
    sim.send(f"place {CARDS_DIR / 'hkmotw_permit.json'}")
    data = read_json(sim.url)
    assert (data["card_type"], data["pass_number"], data["issue_count"]) == ("hkmotw_permit", "H60123456", "02")


def test_fingerprint_read(sim_factory):
    sim = sim_factory("--card", str(CARDS_DIR / "resident.json"))
    data = read_json(sim.url, "--fingerprint")
    assert list(data) == EXPECTED_KEYS
    assert data["name"] == "张晓明"
    assert len(base64.b64decode(data["photo_wlt"])) == 1024


def test_text_output_masks_name_and_number_unless_asked(sim_factory):
    sim = sim_factory("--card", str(CARDS_DIR / "resident.json"))
    masked = kioskctl("idcard", "read", "--port", sim.url, "--timeout", "2")
    assert masked.returncode == 0, masked.stderr
    assert "张晓明" not in masked.stdout and "411221195603083013" not in masked.stdout
    assert "示例村" not in masked.stdout
    assert mask_name("张晓明") in masked.stdout and mask_id_number("411221195603083013") in masked.stdout
    assert "长期" in masked.stdout and "1024 bytes WLT" in masked.stdout
    sim.send("place")
    full = kioskctl("idcard", "read", "--port", sim.url, "--timeout", "2", "--unmask")
    assert "张晓明" in full.stdout and "411221195603083013" in full.stdout


def test_info_json(sim_factory):
    sim = sim_factory()
    result = kioskctl("idcard", "info", "--port", sim.url, "--json")
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout)
    assert info == {"port": sim.url, "sam_status": "ok", "sam_id": info["sam_id"]}
    assert info["sam_id"].startswith("05.01-")


def test_reset_json(sim_factory):
    sim = sim_factory()
    result = kioskctl("idcard", "reset", "--port", sim.url, "--json")
    assert result.returncode == 0 and json.loads(result.stdout) == {"reset": "ok"}


def test_sim_over_tcp_with_port_zero_prints_the_real_port(sim_factory):
    sim = sim_factory("--card", str(CARDS_DIR / "resident.json"), "--tcp", "127.0.0.1:0")
    assert sim.url.startswith("socket://127.0.0.1:")
    assert int(sim.url.rsplit(":", 1)[1]) > 0
    assert read_json(sim.url)["name"] == "张晓明"
    info = kioskctl("idcard", "info", "--port", sim.url, "--json")
    assert json.loads(info.stdout)["sam_status"] == "ok"


def test_unplug_and_replug_through_the_sim_console(sim_factory, tmp_path):
    link = tmp_path / "reader.tty"
    sim = sim_factory("--card", str(CARDS_DIR / "resident.json"), "--link", str(link))
    assert sim.url == str(link)
    sim.send("unplug")
    gone = kioskctl("idcard", "info", "--port", sim.url)
    assert gone.returncode == 1
    [line] = gone.stderr.strip().splitlines()
    assert "Cannot open the device port" in line
    sim.proc.stdin.write("replug\n")
    sim.proc.stdin.flush()
    assert sim.stdout_line() == str(link)
    assert read_json(sim.url)["name"] == "张晓明"


def test_fault_given_at_start(sim_factory):
    sim = sim_factory("--card", str(CARDS_DIR / "resident.json"), "--fault", "sam_error=60")
    result = kioskctl("idcard", "read", "--port", sim.url, "--timeout", "0.5")
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert "SAM self-test failed" in line
    sim.send("clear")
    assert read_json(sim.url)["name"] == "张晓明"


def test_fault_injected_at_run_time(sim_factory):
    sim = sim_factory("--card", str(CARDS_DIR / "resident.json"))
    sim.send("fault garbage=2")
    sim.send("fault drip")
    assert read_json(sim.url)["name"] == "张晓明"


def test_unknown_fault_at_start_is_refused():
    result = kioskctl("sim", "idcard", "--fault", "melt")
    assert result.returncode == 2
    assert "unknown fault" in result.stderr


def test_missing_port_is_one_line():
    result = kioskctl("idcard", "read", "--port", "/dev/does-not-exist-kiosk", "--timeout", "0.2")
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("kioskctl idcard:") and "/dev/does-not-exist-kiosk" in line


def test_quit_ends_the_sim(sim_factory):
    sim = sim_factory()
    assert sim.quit() == 0


def test_baud_switch_moves_the_module_to_the_new_rate(sim_factory):
    sim = sim_factory("--card", str(CARDS_DIR / "resident.json"))
    switched = kioskctl("idcard", "baud", "--port", sim.url, "--to", "9600", "--json")
    assert switched.returncode == 0, switched.stderr
    assert json.loads(switched.stdout) == {"baudrate": 9600}
    at_new_rate = kioskctl("idcard", "read", "--port", sim.url, "--baud", "9600", "--json")
    assert at_new_rate.returncode == 0, at_new_rate.stderr
    assert json.loads(at_new_rate.stdout)["card_type"] == "resident"


def test_baud_switch_refuses_a_rate_the_protocol_lacks(sim_factory):
    sim = sim_factory("--card", str(CARDS_DIR / "resident.json"))
    refused = kioskctl("idcard", "baud", "--port", sim.url, "--to", "4800")
    assert refused.returncode == 2
    assert "4800" in refused.stderr


def test_after_a_baud_switch_the_old_rate_gets_no_answer(sim_factory):
    sim = sim_factory("--card", str(CARDS_DIR / "resident.json"))
    assert kioskctl("idcard", "baud", "--port", sim.url, "--to", "19200").returncode == 0
    stale = kioskctl("idcard", "info", "--port", sim.url, "--baud", "115200")
    assert stale.returncode == 1
    assert "无应答" in stale.stderr and len(stale.stderr.strip().splitlines()) == 1
