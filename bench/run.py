"""Run every benchmark and write their results to docs/performance.md."""

from __future__ import annotations

import os
import platform
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from bench import analytics, certificate_pdf, concurrency, load, organisations, soak

ROOT = Path(__file__).resolve().parent.parent
INTRO = """# Performance

Measured by `make bench` (`bench/run.py`), which rewrites this file. The machine is shared and
noisy, so compare the ratios and the figures measured in the same run rather than absolute numbers
across runs. Targets come from the project's issues.
"""


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    harfbuzz = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True).stdout  # noqa: S603, S607
    return (
        f"Run on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC: {os.cpu_count()} cores ({cpu}), Python "
        f"{platform.python_version()}, libharfbuzz-subset "
        f"{'installed' if 'libharfbuzz-subset' in harfbuzz else 'not installed'}."
    )


def soak_rate(sqlite_rates: dict[str, float]) -> float:
    """Half the throughput the load benchmark measured for the soak's mix of pages (on SQLite, at
    its lower connection count), or the soak's own default when the load benchmark was skipped."""
    if not all(kind in sqlite_rates for kind in soak.MIX):
        return soak.DEFAULT_REQUESTS_PER_SECOND
    total = sum(soak.MIX.values())
    seconds_per_request = sum(
        share / total / sqlite_rates[kind] for kind, share in soak.MIX.items()
    )
    return 0.5 / seconds_per_request


def main() -> None:
    measured_load = load.run()
    sections = [
        INTRO,
        machine(),
        "",
        certificate_pdf.run(),
        "",
        organisations.run(),
        "",
        analytics.run(),
        "",
        measured_load.text,
        "",
        concurrency.run(),
        "",
        soak.run(requests_per_second=soak_rate(measured_load.sqlite_rates)),
    ]
    (ROOT / "docs" / "performance.md").write_text("\n".join(sections))
    print((ROOT / "docs" / "performance.md").read_text())


if __name__ == "__main__":
    main()
