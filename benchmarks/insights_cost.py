"""What an experiment's insights cost: the demo grid with its fold-0 cells explaining fusions.

Run: PYTHONPATH=src nice -n 10 python benchmarks/insights_cost.py --out DIR [--explain fusion:mean fusion:stacking]

1. Runs the demo's config (``fuselearn.experiment._demo_run.demo_config``) into ``DIR`` with the
   ``insights`` section explaining the pipelines of ``--explain`` (members only, as the demo does),
   on 2 workers, and writes the report.
2. Prints, for every explained cell, the wall and CPU seconds its explanation took (the stored
   document's ``seconds`` and ``cpu_seconds``), and the CPU seconds the report spends on the
   insights entries (tables and member plots).

Results: docs/benchmarks/evaluate.md (section 5) and benchmarks/results/insights_cost.json.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, required=True, help="A new run folder.")
    parser.add_argument("--explain", nargs="+", default=["fusion:mean", "fusion:stacking"])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--json", type=Path, default=Path("benchmarks/results/insights_cost.json"))
    args = parser.parse_args()
    if args.out.exists():
        raise SystemExit(f"--out {args.out}: exists; name a new folder (a run resumes).")

    from fuselearn.experiment import Store, parse_config, run_experiment, write_report
    from fuselearn.experiment._demo_run import demo_config
    from fuselearn.experiment._report import insights_entry

    cfg = parse_config(demo_config(insight_pipelines=tuple(args.explain)))
    t0 = time.perf_counter()
    run_experiment(cfg, args.out, jobs=args.jobs, quiet=True, progress=False)
    run_wall = time.perf_counter() - t0
    t0 = time.perf_counter()
    write_report(args.out)
    report_wall = time.perf_counter() - t0
    rows = []
    with Store(args.out, readonly=True) as store:
        run = store.latest_run()
        cells = store.cells(run["run_id"])
        info = run["manifest"]["insights"]
        for r in store.insights(run["run_id"]):
            doc = r["insights"]
            rows.append({"cell": r["cell_id"], "wall_s": doc["seconds"], "cpu_s": doc.get("cpu_seconds"),
                         "notes": doc["notes"]})
            print(f"{r['cell_id']:45s} wall {doc['seconds']:7.2f} s  cpu {doc.get('cpu_seconds', 0):7.2f} s")
        c0, w0 = time.process_time(), time.perf_counter()
        for ds in cells.dataset.unique():
            order = list(cells[cells.dataset == ds].groupby("pipeline").accuracy.mean()
                         .sort_values(ascending=False).index)
            insights_entry(store.insights(run["run_id"], ds), order, ds, info)
        entries_cpu, entries_wall = time.process_time() - c0, time.perf_counter() - w0
    print(f"report insights entries: wall {entries_wall:.2f} s, cpu {entries_cpu:.2f} s")
    print(f"run wall {run_wall:.1f} s, report wall {report_wall:.1f} s, load average {os.getloadavg()[0]:.1f}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({
        "command": "benchmarks/insights_cost.py --explain " + " ".join(args.explain),
        "cells": rows, "report_entries_wall_s": entries_wall, "report_entries_cpu_s": entries_cpu,
        "run_wall_s": run_wall, "report_wall_s": report_wall, "load_average": os.getloadavg()[0],
        "date": time.strftime("%Y-%m-%d %H:%M:%S %z"),
    }, indent=1))


if __name__ == "__main__":
    main()
