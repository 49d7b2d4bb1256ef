"""Opening a transport from a pyserial URL.

Every serial-speaking driver takes a port in pyserial's syntax: a device path (``/dev/ttyUSB0``,
``/dev/serial/by-id/...``, a pseudo-terminal), ``socket://host:port`` for raw TCP, ``rfc2217://...``
for a terminal server. ``sim`` is resolved by the caller to an emulator's port before this runs.
"""
from __future__ import annotations

import os

import serial

from .errors import DeviceError, Action


class PortUnavailable(DeviceError):
    code = "port_unavailable"
    zh = "无法打开设备端口"
    en = "Cannot open the device port"
    action = Action.CONFIGURATION


def is_device_path(url: str) -> bool:
    return "://" not in url


def port_missing(url: str) -> bool:
    """True when ``url`` names a device file that does not exist (device unplugged)."""
    return is_device_path(url) and not os.path.exists(url)


def open_port(url: str, *, baudrate: int = 115200, timeout: float = 1.0, **kwargs) -> serial.SerialBase:
    """Open ``url`` raw 8N1; raises :class:`PortUnavailable` with the reason."""
    if url == "sim":
        raise PortUnavailable("port 'sim' must be resolved to an emulator first")
    try:
        port = serial.serial_for_url(url, baudrate=baudrate, timeout=timeout, **kwargs)
    except (serial.SerialException, OSError, ValueError) as exc:
        raise PortUnavailable(f"{url}: {exc}") from exc
    if is_device_path(url):
        try:
            port.reset_input_buffer()
        except (serial.SerialException, OSError):
            pass
    return port
