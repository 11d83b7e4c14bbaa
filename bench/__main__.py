"""Run every benchmark and print the measurements and ratios: ``python -m bench [--quick]``."""

from __future__ import annotations

import importlib
import json
import sys
import time

#: Benchmark modules; each has ``run(quick: bool) -> dict[str, float]``.
CASES = ("bench.workbook_case", "bench.bench_contour", "bench.fog_case")


def main() -> None:
    quick = "--quick" in sys.argv
    results: dict[str, dict[str, float]] = {}
    for name in CASES:
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


if __name__ == "__main__":
    main()
