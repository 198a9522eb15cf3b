"""Time `fuselearn demo` end to end (after set-up) and check the 60 s target.

Run: .venv/bin/python benchmarks/demo_time.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    exe = Path(sys.executable).with_name("fuselearn")
    times = []
    for i in range(args.repeats):
        with tempfile.TemporaryDirectory() as tmp:  # a fresh run folder: an existing one would resume
            start = time.perf_counter()
            subprocess.run([str(exe), "demo", "--quiet", "--out", str(Path(tmp) / "run")], check=True,
                           stdout=subprocess.DEVNULL)
            times.append(time.perf_counter() - start)
        print(f"run {i + 1}: {times[-1]:.1f} s", flush=True)
    print(f"cores: {os.cpu_count()}  python {platform.python_version()}  {platform.processor() or platform.machine()}")
    print(f"fuselearn demo wall time: median {statistics.median(times):.1f} s, "
          f"min {min(times):.1f} s, max {max(times):.1f} s over {len(times)} runs (target < 60 s)")


if __name__ == "__main__":
    main()
