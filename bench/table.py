"""What every benchmark in bench/ prints the same way: percentiles, the machine, a markdown table.

Kept free of project imports, so a benchmark's timings and RSS carry only what it measures.
"""
from __future__ import annotations

import os
import platform
from collections.abc import Sequence
from pathlib import Path


def p95(values: Sequence[float]) -> float:
    return percentile(values, 95)


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest rank on the sorted values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine_lines() -> list[str]:
    """The two opening bullet lines of every benchmark's output."""
    machine = (f"- machine: {platform.machine()}, CPU: {cpu_model()} ({os.cpu_count()} logical CPUs), "
               f"platform.processor: {platform.processor() or 'n/a'}")
    return [
        machine,
        f"- Python {platform.python_version()} ({platform.python_implementation()}), {platform.platform()}",
    ]


def markdown_table(head: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """``| a | b |`` rows under a ``|---|---|`` rule, cells as given (format numbers before)."""
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)
