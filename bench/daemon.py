"""Benchmark of the idle daemon: CPU, wakeups and memory over 60 s, against `schedule` loops.

Starts an idle `diaryflow serve` (next report hours away) beside two loops built on the
`schedule` library — the original script's (a check every 60 s) and the common pattern (a
check every second) — samples each process from /proc over the same window, and times
`diaryflow --help`. Targets: fewer wakeups than either loop, idle RSS ≤ 35 MB, --help ≤ 0.15 s.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

RSS_TARGET_MB = 35.0
HELP_TARGET_S = 0.15
LOOP = """
import time
import schedule

schedule.every().day.at("{at}").do(lambda: None)
while True:
    schedule.run_pending()
    time.sleep({pause})
"""


@dataclass(frozen=True)
class Sample:
    cpu_seconds: float
    wakeups: int
    rss_mb: float


def sample(pid: int) -> Sample:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])  # utime + stime
    status = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    wakeups = int(status["voluntary_ctxt_switches"])
    rss_mb = int(status["VmRSS"].split()[0]) / 1024
    return Sample(ticks / 100, wakeups, rss_mb)


def idle_config(folder: Path) -> Path:
    later = datetime.now(timezone.utc) + timedelta(hours=6)
    config = folder / "config.toml"
    config.write_text(
        f'[scheduler]\ntime = "{later:%H:%M}"\ntimezone = "UTC"\ncatch_up = false\n',
        encoding="utf-8",
    )
    config.chmod(0o600)
    return config


def help_seconds(runs: int = 15) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "diaryflow", "--help"], check=True,
                       stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    at = (datetime.now() + timedelta(hours=6)).strftime("%H:%M")
    with tempfile.TemporaryDirectory() as tmp:
        config = idle_config(Path(tmp))
        procs = {
            "diaryflow serve": subprocess.Popen(
                [sys.executable, "-m", "diaryflow", "serve", "--config", str(config)],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp),
            "schedule, 60 s sleep": subprocess.Popen(
                [sys.executable, "-c", LOOP.format(at=at, pause=60)]),
            "schedule, 1 s sleep": subprocess.Popen(
                [sys.executable, "-c", LOOP.format(at=at, pause=1)]),
        }
        try:
            time.sleep(3)  # let every process finish starting
            before = {name: sample(p.pid) for name, p in procs.items()}
            time.sleep(args.seconds)
            after = {name: sample(p.pid) for name, p in procs.items()}
        finally:
            for p in procs.values():
                p.terminate()
                p.wait(15)
    print(f"idle for {args.seconds:.0f} s:")
    print(f"{'process':24} {'CPU s':>8} {'wakeups':>8} {'RSS MB':>8}")
    for name in procs:
        cpu = after[name].cpu_seconds - before[name].cpu_seconds
        wakeups = after[name].wakeups - before[name].wakeups
        print(f"{name:24} {cpu:8.2f} {wakeups:8d} {after[name].rss_mb:8.1f}")
    ours = after["diaryflow serve"]
    ours_wakeups = ours.wakeups - before["diaryflow serve"].wakeups
    fewest_other = min(
        after[n].wakeups - before[n].wakeups for n in procs if n != "diaryflow serve"
    )
    print(f"wakeups: {ours_wakeups} vs {fewest_other} for the best `schedule` loop "
          f"({'fewer' if ours_wakeups < fewest_other else 'NOT fewer'})")
    print(f"idle RSS: {ours.rss_mb:.1f} MB -> ratio {ours.rss_mb / RSS_TARGET_MB:.2f} "
          f"of the {RSS_TARGET_MB:.0f} MB bound")
    seconds = help_seconds()
    print(f"diaryflow --help: {seconds:.3f} s (median of 15) -> ratio "
          f"{seconds / HELP_TARGET_S:.2f} of the {HELP_TARGET_S} s bound")


if __name__ == "__main__":
    main()
