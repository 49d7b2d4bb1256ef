"""Configuration: where it is found, and errors that name the file and the key."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from drivers.registry import UnknownDriver, build
from provisioning.config import SIMULATION_CONFIG, ConfigError, load_config, parse_config
from provisioning.devices import build_devices
from provisioning.home import ensure_home, kiosk_home
from provisioning.paths import ASSETS

from idcard_support import KIOSKCTL, ROOT

MINIMAL = '[devices.idcard]\ndriver = "gat467"\nport = "/dev/ttyUSB0"\n'


def test_without_any_file_the_built_in_simulation_is_used():
    config = load_config()
    assert config.source == str(SIMULATION_CONFIG)
    assert config.devices["idcard"].simulated


def test_kiosk_home_file_wins_over_the_default(tmp_path):
    home = ensure_home()
    (home / "kiosk.toml").write_text(MINIMAL, encoding="utf-8")
    config = load_config()
    assert config.source == str(home / "kiosk.toml")
    assert config.devices["idcard"].port == "/dev/ttyUSB0"


def test_environment_variable_wins_over_kiosk_home(tmp_path, monkeypatch):
    (ensure_home() / "kiosk.toml").write_text(MINIMAL, encoding="utf-8")
    other = tmp_path / "other.toml"
    other.write_text(MINIMAL.replace("/dev/ttyUSB0", "socket://127.0.0.1:7000"), encoding="utf-8")
    monkeypatch.setenv("KIOSK_CONFIG", str(other))
    assert load_config().devices["idcard"].port == "socket://127.0.0.1:7000"
    explicit = tmp_path / "explicit.toml"
    explicit.write_text(MINIMAL.replace("/dev/ttyUSB0", "rfc2217://10.0.0.5:2217"), encoding="utf-8")
    assert load_config(explicit).devices["idcard"].port == "rfc2217://10.0.0.5:2217"


def test_kiosk_home_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("KIOSK_HOME", str(tmp_path / "k1"))
    home = ensure_home()
    assert home == kiosk_home() == tmp_path / "k1"
    assert {p.name for p in home.iterdir()} >= {"logs", "run", "keys", "outbox"}
    assert (home.stat().st_mode & 0o077) == 0, "the data directory is private to the kiosk's user"


@pytest.mark.parametrize("text, key", [
    ('[devices.idcard]\nport = "sim"\n', "devices.idcard.driver"),
    ('[devices.idcard]\ndriver = "gat467"\n', "devices.idcard.port"),
    ('[kiosk]\norientation = "diagonal"\n', "kiosk.orientation"),
    ('[kiosk]\nidle_timeout = -1\n', "kiosk.idle_timeout"),
    ('[kiosk]\nidle_timout = 20\n', "kiosk"),
    ('[kiosk\n', "file"),
])
def test_a_bad_file_is_refused_naming_the_file_and_the_key(tmp_path, text, key):
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.key == key
    assert str(path) in str(caught.value)


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "absent.toml")


def test_unknown_driver_and_unknown_option_are_refused(tmp_path):
    with pytest.raises(UnknownDriver, match="unknown driver 'nosuch'"):
        build("idcard", "nosuch", "/dev/null", {}, {}, assets=ASSETS, run_dir=tmp_path)
    with pytest.raises(UnknownDriver, match="baudrat"):
        build("idcard", "gat467", "/dev/null", {"baudrat": 9600}, {}, assets=ASSETS, run_dir=tmp_path)


def test_sim_port_starts_the_emulator_behind_a_stable_link(tmp_path):
    config = parse_config({"devices": {"idcard": {"driver": "gat467", "port": "sim",
                                                  "sim": {"card": "sim/cards/resident.json"}}}})
    built = build_devices(config, tmp_path)["idcard"]
    try:
        assert built.device.url == str(tmp_path / "idcard.tty")
        assert Path(built.device.url).exists()
    finally:
        built.close()


def test_kioskctl_config_prints_the_effective_configuration():
    shown = subprocess.run([*KIOSKCTL, "config", "--json"], capture_output=True, text=True, cwd=ROOT)
    assert shown.returncode == 0, shown.stderr
    data = json.loads(shown.stdout)
    assert data["source"] == str(SIMULATION_CONFIG)
    assert data["devices"]["idcard"]["driver"] == "gat467"
    text = subprocess.run([*KIOSKCTL, "config"], capture_output=True, text=True, cwd=ROOT)
    assert "配置文件 Config file" in text.stdout and "idcard" in text.stdout


def test_kiosk_refuses_a_bad_configuration_in_one_line(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[kiosk]\norientation = "diagonal"\n', encoding="utf-8")
    kiosk = Path(KIOSKCTL[0]).with_name("kiosk")
    done = subprocess.run([str(kiosk), "--config", str(bad)], capture_output=True, text=True, timeout=30)
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "kiosk.orientation" in done.stderr
