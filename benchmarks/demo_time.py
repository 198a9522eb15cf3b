"""Time `fuselearn demo` end to end, cold (fresh run folder, new process), wall and CPU time.

Run: PYTHONPATH=src .venv/bin/python benchmarks/demo_time.py [--repeats 3] [--keep DIR]

With ``--keep DIR`` the last run's folder is kept there and its time breakdown is printed from the
store (see docs/benchmarks/demo.md: phases from the ``runs``/``cells`` rows, CPU seconds of the
cells by pipeline).

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
    parser.add_argument("--keep", type=Path, default=None, help="Keep the last run folder here.")
    args = parser.parse_args()
    # `python -m fuselearn.cli` honours PYTHONPATH (the console script of an editable install too)
    cmd = [sys.executable, "-m", "fuselearn.cli", "demo", "--quiet"]
    times, cpus = [], []
    for i in range(args.repeats):
        with tempfile.TemporaryDirectory() as tmp:  # a fresh run folder: an existing one would resume
            out = Path(tmp) / "run"
            if args.keep is not None and i == args.repeats - 1:
                out = args.keep
                if out.exists():
                    raise SystemExit(f"--keep {out}: exists; name a new folder (a run resumes).")
            cpu0 = _children_cpu()
            start = time.perf_counter()
            subprocess.run([*cmd, "--out", str(out)], check=True, stdout=subprocess.DEVNULL)
            times.append(time.perf_counter() - start)
            cpus.append(_children_cpu() - cpu0)
        print(f"run {i + 1}: wall {times[-1]:.1f} s, cpu {cpus[-1]:.1f} s", flush=True)
    print(f"cores: {os.cpu_count()}  python {platform.python_version()}  "
          f"{platform.processor() or platform.machine()}  load avg {os.getloadavg()[0]:.1f}")
    print(f"fuselearn demo wall time: median {statistics.median(times):.1f} s, "
          f"min {min(times):.1f} s, max {max(times):.1f} s over {len(times)} runs; "
          f"CPU time median {statistics.median(cpus):.1f} s (target < {args.target:g} s wall)")
    if args.keep is not None:
        breakdown(args.keep)


def breakdown(out: Path) -> None:
    """Phases of one run and the cells' seconds by pipeline, read from its store."""
    import sqlite3

    import pandas as pd

    with sqlite3.connect(out / "store.sqlite") as db:
        created = db.execute("SELECT created FROM runs").fetchone()[0]
        cells = pd.read_sql_query("SELECT * FROM cells", db)
    first, last = cells.finished.min() - created, cells.finished.max() - created
    report = (out / "report.html").stat().st_mtime - created
    print(f"store created -> first cell stored: {first:.1f} s; -> last cell stored: {last:.1f} s; "
          f"-> report written: {report:.1f} s")
    if "total_time" in cells:
        print(f"cells: {len(cells)}, shared fits: {int(cells.shared_fit.sum())}, "
              f"sum of cell seconds {cells.total_time.sum():.1f} (unshared fits "
              f"{cells.fit_time[cells.shared_fit == 0].sum():.1f}, setup "
              f"{cells.setup_time.sum():.1f}, predict {cells.predict_time.sum():.1f})")
        # total_time is what the cell itself took; a shared member's fit_time is the seconds the
        # fit took inside the fusion's cell, so it is not added again here
        table = cells.total_time.groupby([cells.dataset, cells.pipeline]).sum().unstack(0).round(1)
        print("seconds each pipeline's cells took (a shared fit counts where it was made):")
        print(table.to_string())


if __name__ == "__main__":
    main()
