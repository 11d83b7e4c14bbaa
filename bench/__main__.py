"""Run every benchmark and print the measurements and ratios: ``python -m bench [--quick]``.

Exit status 1 when a scaling ratio (time at 2n / time at n) is at or above
:data:`bench.scaling_case.LIMIT`: a writer or reader that stopped being linear.
``--quick`` runs only the scaling check at small n (well under a minute);
``--only NAME`` runs one case (e.g. ``--only million_case``), quick or full.
"""

from __future__ import annotations

import importlib
import json
import sys
import time

#: Benchmark modules; each has ``run(quick: bool) -> dict[str, float]``.
CASES = (
    "bench.scaling_case",
    "bench.workbook_case",
    "bench.bench_contour",
    "bench.fog_case",
    "bench.million_case",
    "bench.batch_case",
    "bench.dem_case",
)

#: What ``--quick`` runs (well under a minute): the complexity watch at small n.
QUICK_CASES = ("bench.scaling_case",)


def main() -> None:
    quick = "--quick" in sys.argv
    only = sys.argv[sys.argv.index("--only") + 1] if "--only" in sys.argv else None
    results: dict[str, dict[str, float]] = {}
    for name in CASES:
        if only is not None and name.split(".")[-1] != only:
            continue
        if only is None and quick and name not in QUICK_CASES:
            continue
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            print(f"{name}: not available ({exc})", file=sys.stderr)
            continue
        t0 = time.perf_counter()
        results[name] = module.run(quick)
        print(f"{name} ({time.perf_counter() - t0:.0f} s):")
        for key, value in results[name].items():
            print(f"  {key:32s} {value:12.3f}")
    print(json.dumps(results, indent=2), file=sys.stderr if not quick else sys.stdout)
    from bench.scaling_case import broken

    bad = [f"{name}: {b}" for name, res in results.items() for b in broken(res)]
    if bad:
        print("scaling ratio broken (limit 2.5):\n  " + "\n  ".join(bad), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
