"""Time `fuselearn demo` end to end, cold (fresh run folder, new process), wall and CPU time.

Run: PYTHONPATH=src .venv/bin/python benchmarks/demo_time.py [--repeats 3]

CPU time (user + system of the demo process and all its workers) is printed beside the wall time:
on a machine shared with other work the wall time grows with the load, the CPU time much less.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--target", type=float, default=30.0, help="Goal in seconds (wall).")
    args = parser.parse_args()
    # `python -m fuselearn.cli` honours PYTHONPATH (the console script of an editable install too)
    cmd = [sys.executable, "-m", "fuselearn.cli", "demo", "--quiet"]
    times, cpus = [], []
    for i in range(args.repeats):
        with tempfile.TemporaryDirectory() as tmp:  # a fresh run folder: an existing one would resume
            cpu0 = _children_cpu()
            start = time.perf_counter()
            subprocess.run([*cmd, "--out", str(Path(tmp) / "run")], check=True,
                           stdout=subprocess.DEVNULL)
            times.append(time.perf_counter() - start)
            cpus.append(_children_cpu() - cpu0)
        print(f"run {i + 1}: wall {times[-1]:.1f} s, cpu {cpus[-1]:.1f} s", flush=True)
    print(f"cores: {os.cpu_count()}  python {platform.python_version()}  "
          f"{platform.processor() or platform.machine()}  load avg {os.getloadavg()[0]:.1f}")
    print(f"fuselearn demo wall time: median {statistics.median(times):.1f} s, "
          f"min {min(times):.1f} s, max {max(times):.1f} s over {len(times)} runs; "
          f"CPU time median {statistics.median(cpus):.1f} s (target < {args.target:g} s wall)")


if __name__ == "__main__":
    main()
