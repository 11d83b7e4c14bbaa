"""The FoG benchmark: validating a synthetic WGMS FoG release of full size, both generations.

5 000 glaciers × 12 years = 60 000 glacier-years, 5 bands each (300 000 band
rows) and 500 000 point rows.  A clean copy must give no issue at all; a
faulty copy has a known number of injected faults of each kind, and every
one must be found at its line.  Compared with ``frictionless`` on the same
CSVs with the same Table Schemas and with the bare pandas read.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

#: Cached releases, by the version of the generator (v2: GTN-G region codes, required by WGMS):
#: a release cached by an older generator is not reused.
WORK = Path(__file__).resolve().parent / "_work" / "fog-v2"
GLACIERS, YEARS, BANDS, POINTS = 5000, 12, 5, 500_000
FAULTS_PER_KIND = 10


def _release(glaciers: int, points_total: int, seed: int = 7) -> dict[str, pd.DataFrame]:
    """Clean upper-case tables, consistent in every check."""
    rng = np.random.default_rng(seed)
    gid = np.arange(1, glaciers + 1)
    # names of the kinds WGMS uses (+ : * ( ), mixed case, one name for several glaciers): no issue
    kinds = ("GLACIER {i:05d}", "UPSALA + CONO {i:05d}", "PARLUNG ZANGBO: NO. {i:05d}", "UNNAMED (4*8ABB2)",
             "Glaciar {i:05d}")  # fmt: skip
    names = np.array([kinds[i % len(kinds)].format(i=i) for i in gid])
    country = rng.choice(["CH", "AT", "NO", "CN", "US", "CA"], glaciers)
    zmin = rng.integers(20, 60, glaciers) * 50
    # GTN-G region and subregion: required by WGMS (FoG 2023-09 attribute definitions)
    region = rng.choice(["CEU-01", "ASC-04", "WNA-01", "SCA-01", "SAN-02", "ANT-31"], glaciers)
    a = pd.DataFrame({"POLITICAL_UNIT": country, "NAME": names, "WGMS_ID": gid,
                      "LATITUDE": np.round(rng.uniform(-60, 75, glaciers), 4),
                      "LONGITUDE": np.round(rng.uniform(-150, 150, glaciers), 4),
                      "GLACIER_REGION_CODE": [r[:3] for r in region], "GLACIER_SUBREGION_CODE": region})  # fmt: skip
    gy = pd.DataFrame(
        {
            "g": np.repeat(np.arange(glaciers), YEARS),
            "YEAR": np.tile(np.arange(2000, 2000 + YEARS), glaciers),
        }
    )
    n = len(gy)
    band_area = np.round(rng.uniform(0.05, 1.0, (n, BANDS)), 3)
    lower = zmin[gy["g"]][:, None] + np.arange(BANDS)[None, :] * 100
    ela_band = rng.integers(1, BANDS - 1, n)
    ela = zmin[gy["g"]] + ela_band * 100 + 50
    grad = 6.0
    mid = lower + 50
    bw_band = np.round(300 + 0.5 * (mid - zmin[gy["g"]][:, None])).astype(int)
    ba_band = np.round(grad * (mid - ela[:, None])).astype(int)
    bs_band = ba_band - bw_band
    total = band_area.sum(axis=1)
    ba = np.round((ba_band * band_area).sum(axis=1) / total).astype(int)
    # glacier-wide winter at least the annual balance, so that the summer balance is never positive
    bw = np.maximum(np.round((bw_band * band_area).sum(axis=1) / total).astype(int), ba + 10)
    above = (band_area * (np.arange(BANDS)[None, :] > ela_band[:, None])).sum(
        axis=1
    ) + 0.5 * band_area[np.arange(n), ela_band]
    base = {
        "POLITICAL_UNIT": country[gy["g"]],
        "NAME": names[gy["g"]],
        "WGMS_ID": gid[gy["g"]],
        "YEAR": gy["YEAR"],
    }
    e = pd.DataFrame({**base, "TIME_SYSTEM": "FXD", "BEGIN_PERIOD": (gy["YEAR"] - 1).astype(str) + "1001",
                      "END_WINTER": gy["YEAR"].astype(str) + "0430", "END_PERIOD": gy["YEAR"].astype(str) + "0930",
                      "ELA": ela, "AAR": np.round(100 * above / total, 1),  # decimals, as in real releases
                      "REMARKS": np.where(gy["YEAR"] % 3 == 0, "measured by  A. Person; see doi:10.5904/x ", None)})  # fmt: skip
    band_rows = pd.DataFrame({
        "POLITICAL_UNIT": np.repeat(base["POLITICAL_UNIT"], BANDS), "NAME": np.repeat(base["NAME"], BANDS),
        "WGMS_ID": np.repeat(base["WGMS_ID"], BANDS), "YEAR": np.repeat(gy["YEAR"].to_numpy(), BANDS),
        "LOWER_BOUND": lower.ravel(), "UPPER_BOUND": lower.ravel() + 100, "AREA": band_area.ravel(),
        "WINTER_BALANCE": bw_band.ravel(), "SUMMER_BALANCE": bs_band.ravel(), "ANNUAL_BALANCE": ba_band.ravel()})  # fmt: skip
    wide = pd.DataFrame({**base, "LOWER_BOUND": 9999, "UPPER_BOUND": 9999, "AREA": np.round(total, 3),
                         "WINTER_BALANCE": bw, "SUMMER_BALANCE": ba - bw, "ANNUAL_BALANCE": ba})  # fmt: skip
    ee = pd.concat([band_rows, wide], ignore_index=True)
    per = max(points_total // n, 1)
    k = np.repeat(np.arange(n), per)
    code = np.where(np.arange(len(k)) % 2 == 0, "BA", "BW")
    year = gy["YEAR"].to_numpy()[k]
    pz = zmin[gy["g"].to_numpy()[k]] + rng.uniform(0, BANDS * 100, len(k))
    eee = pd.DataFrame({"POLITICAL_UNIT": base["POLITICAL_UNIT"][k], "NAME": base["NAME"][k],
                        "WGMS_ID": base["WGMS_ID"][k], "YEAR": year,
                        "POINT_ID": [f"P{i % per}" for i in range(len(k))],
                        "FROM_DATE": (year - 1).astype(str) + "1001",
                        "TO_DATE": np.where(code == "BA", year.astype(str) + "0930", year.astype(str) + "0430"),
                        "POINT_ELEVATION": np.round(pz, 1), "POINT_BALANCE": np.round(grad * (pz - ela[k])).astype(int),
                        "BALANCE_CODE": code})  # fmt: skip
    return {
        "A-GLACIER": a,
        "E-MASS_BALANCE_OVERVIEW": e,
        "EE-MASS_BALANCE": ee,
        "EEE-MASS_BALANCE_POINT": eee,
    }


def _lower(upper: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    from mbpack.formats.wgms import gtng_long_code

    a, e, ee, eee = (
        upper[k]
        for k in (
            "A-GLACIER",
            "E-MASS_BALANCE_OVERVIEW",
            "EE-MASS_BALANCE",
            "EEE-MASS_BALANCE_POINT",
        )
    )
    iso = lambda s: s.str[:4] + "-" + s.str[4:6] + "-" + s.str[6:]  # noqa: E731
    glacier = pd.DataFrame({"id": a["WGMS_ID"], "country": a["POLITICAL_UNIT"], "short_name": a["NAME"],
                            "latitude": a["LATITUDE"], "longitude": a["LONGITUDE"],
                            "gtng_region": [gtng_long_code(None, s) for s in a["GLACIER_SUBREGION_CODE"]]})  # fmt: skip
    wide = ee[ee["LOWER_BOUND"] == 9999].reset_index(drop=True)
    mb = pd.DataFrame({"country": e["POLITICAL_UNIT"], "glacier_name": e["NAME"], "glacier_id": e["WGMS_ID"],
                       "year": e["YEAR"], "time_system": e["TIME_SYSTEM"], "begin_date": iso(e["BEGIN_PERIOD"]),
                       "midseason_date": iso(e["END_WINTER"]), "end_date": iso(e["END_PERIOD"]),
                       "winter_balance": wide["WINTER_BALANCE"] / 1000, "summer_balance": wide["SUMMER_BALANCE"] / 1000,
                       "annual_balance": wide["ANNUAL_BALANCE"] / 1000, "ela": e["ELA"], "aar": e["AAR"] / 100,
                       "area": wide["AREA"]})  # fmt: skip
    bands = ee[ee["LOWER_BOUND"] != 9999]
    band = pd.DataFrame({"country": bands["POLITICAL_UNIT"], "glacier_name": bands["NAME"], "glacier_id": bands["WGMS_ID"],
                         "year": bands["YEAR"], "lower_elevation": bands["LOWER_BOUND"],
                         "upper_elevation": bands["UPPER_BOUND"], "area": bands["AREA"],
                         "winter_balance": bands["WINTER_BALANCE"] / 1000, "summer_balance": bands["SUMMER_BALANCE"] / 1000,
                         "annual_balance": bands["ANNUAL_BALANCE"] / 1000})  # fmt: skip
    codes = {"BA": "annual", "BW": "winter"}
    point = pd.DataFrame({"country": eee["POLITICAL_UNIT"], "glacier_name": eee["NAME"], "glacier_id": eee["WGMS_ID"],
                          "year": eee["YEAR"], "id": np.arange(1, len(eee) + 1), "original_id": eee["POINT_ID"],
                          "begin_date": iso(eee["FROM_DATE"]),
                          "end_date": iso(eee["TO_DATE"]), "elevation": eee["POINT_ELEVATION"],
                          "balance": eee["POINT_BALANCE"] / 1000, "balance_code": eee["BALANCE_CODE"].map(codes)})  # fmt: skip
    return {
        "glacier": glacier,
        "mass_balance": mb,
        "mass_balance_band": band,
        "mass_balance_point": point,
    }


#: Faults injected into the upper release: (table, column, code, how the value changes).
UPPER_FAULTS: list[tuple[str, str, str, Any]] = [
    ("EE-MASS_BALANCE", "ANNUAL_BALANCE", "balance-sum", "wide:+500"),
    ("EE-MASS_BALANCE", "WINTER_BALANCE", "winter-negative", "wide:negative-winter"),
    ("EE-MASS_BALANCE", "LOWER_BOUND", "band-gap", "band:+30"),
    ("EE-MASS_BALANCE", "AREA", "area-mismatch", "wide:*2"),
    ("E-MASS_BALANCE_OVERVIEW", "END_PERIOD", "period-length", "date:+10000"),
    ("E-MASS_BALANCE_OVERVIEW", "END_WINTER", "date-order", "date:-10000"),
    ("E-MASS_BALANCE_OVERVIEW", "ELA", "ela-outside", "set:8000"),
    ("E-MASS_BALANCE_OVERVIEW", "AAR", "aar-mismatch", "aar"),
    ("E-MASS_BALANCE_OVERVIEW", "TIME_SYSTEM", "not-in-enum", "set:XXX"),
    ("EEE-MASS_BALANCE_POINT", "POINT_ELEVATION", "elevation-typo", "set:8500"),
    ("EEE-MASS_BALANCE_POINT", "BALANCE_CODE", "code-period", "flip-code"),
    ("EEE-MASS_BALANCE_POINT", "POINT_BALANCE", "type-error", "set:abc"),
    ("EEE-MASS_BALANCE_POINT", "FROM_DATE", "date-invalid", "set:20001399"),
    ("E-MASS_BALANCE_OVERVIEW", "END_WINTER", "date-invalid", "april31"),
    ("A-GLACIER", "LATITUDE", "out-of-range", "set:123"),
]


def inject(tables: dict[str, pd.DataFrame], seed: int = 11) -> list[tuple[str, int, str, str]]:
    """Inject FAULTS_PER_KIND faults of each kind in place; returns (table, line, column, code)."""
    rng = np.random.default_rng(seed)
    expected = []
    used: set[tuple[str, int]] = set()
    for table, column, code, how in UPPER_FAULTS:
        frame = tables[table]
        frame[column] = frame[column].astype(object)
        if how.startswith("wide"):
            pool = np.flatnonzero(frame["LOWER_BOUND"].to_numpy() == 9999)
        elif how.startswith("band"):
            pool = np.flatnonzero(
                (frame["LOWER_BOUND"].to_numpy() != 9999)
                & (frame.groupby(["WGMS_ID", "YEAR"]).cumcount().to_numpy() > 0)
            )
        else:
            pool = np.arange(len(frame))
        rows = [
            r
            for r in rng.choice(pool, FAULTS_PER_KIND * 3, replace=False)
            if (table, int(r)) not in used
        ][:FAULTS_PER_KIND]
        for r in rows:
            used.add((table, int(r)))
            v = frame.at[r, column]
            if how == "wide:+500":
                frame.at[r, column] = int(v) + 500
            elif how == "wide:negative-winter":
                frame.at[r, column] = -50
                frame.at[r, "SUMMER_BALANCE"] = int(frame.at[r, "ANNUAL_BALANCE"]) + 50
            elif how == "band:+30":
                frame.at[r, column] = int(v) + 30
            elif how == "wide:*2":
                frame.at[r, column] = float(v) * 2
            elif how == "date:+10000":
                frame.at[r, column] = str(int(v) + 10000)
            elif how == "date:-10000":
                frame.at[r, column] = str(int(v) - 10000)
            elif how == "aar":
                frame.at[r, column] = (
                    100 - int(v) if abs(100 - 2 * int(v)) > 20 else (int(v) + 40) % 100
                )
            elif how == "flip-code":
                frame.at[r, column] = "BW" if v == "BA" else "BA"
            elif how == "april31":
                frame.at[r, column] = str(v)[:4] + "0431"
            elif how.startswith("set:"):
                frame.at[r, column] = how[4:]
            expected.append(
                (
                    table,
                    int(r) + 2,
                    column if code not in ("balance-sum",) else "ANNUAL_BALANCE",
                    code,
                )
            )
    return expected


def make(
    directory: Path, glaciers: int = GLACIERS, points: int = POINTS
) -> list[tuple[str, int, str, str]]:
    from mbpack.formats import wgms

    upper = _release(glaciers, points)
    lower = _lower(upper)
    # every column of the schemas, in order (optional ones empty), as a release has them
    upper = {k: v.reindex(columns=wgms.columns("upper", k)) for k, v in upper.items()}  # type: ignore[arg-type]
    lower = {k: v.reindex(columns=wgms.columns("lower", k)) for k, v in lower.items()}  # type: ignore[arg-type]
    for gen, tables in (("upper", upper), ("lower", lower)):
        out = directory / "clean" / gen
        out.mkdir(parents=True, exist_ok=True)
        for name, frame in tables.items():
            frame.to_csv(out / f"{name}.csv", index=False, lineterminator="\n")
    expected = inject(upper)
    out = directory / "faulty" / "upper"
    out.mkdir(parents=True, exist_ok=True)
    for name, frame in upper.items():
        frame.to_csv(out / f"{name}.csv", index=False, lineterminator="\n")
    (directory / "expected.json").write_text(json.dumps(expected))
    return expected


def measure(case: str, path: str) -> dict[str, Any]:
    t0 = time.perf_counter()
    out: dict[str, Any] = {}
    if case == "mbpack":
        from mbpack.checks.wgms import validate_fog

        report = validate_fog(path)
        out["found"] = sorted({(i.sheet, i.line, i.column, i.code) for i in report.issues}, key=str)
        out["issues"] = len(report.issues)
    elif case == "bare":
        for f in sorted(Path(path).glob("*.csv")):
            pd.read_csv(f, dtype=str, keep_default_na=False, na_values=[""])
    elif case == "frictionless":
        from frictionless import Package, Resource, Schema

        from mbpack.publish import wgms as submission

        resources = [Resource(path=f.name, basepath=str(f.parent), name=f.stem.lower().replace("_", "-"),
                              schema=Schema.from_descriptor(submission.resource_schema("upper", f.stem)))
                     for f in sorted(Path(path).glob("*.csv"))]  # fmt: skip
        report = Package(resources=resources).validate(limit_errors=10**7)
        out["issues"] = sum(len(t.errors) for t in report.tasks)
    out["seconds"] = time.perf_counter() - t0
    out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def _isolated(case: str, path: Path) -> dict[str, Any]:
    code = f"import json; from bench.fog_case import measure; print(json.dumps(measure({case!r}, {str(path)!r})))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parent.parent)  # fmt: skip
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def run(quick: bool = False) -> dict[str, float]:
    glaciers, points = (500, 50_000) if quick else (GLACIERS, POINTS)
    directory = WORK / ("quick" if quick else "full")
    if not (directory / "expected.json").exists():
        make(directory, glaciers, points)
    expected = {tuple(e) for e in json.loads((directory / "expected.json").read_text())}
    res: dict[str, float] = {}
    for gen in ("upper", "lower"):
        clean = _isolated("mbpack", directory / "clean" / gen)
        res[f"mbpack_{gen}_s"] = clean["seconds"]
        res[f"mbpack_{gen}_peak_mb"] = clean["peak_mb"]
        res[f"false_issues_{gen}_clean"] = float(clean["issues"])
    faulty = _isolated("mbpack", directory / "faulty" / "upper")
    found = {tuple(f) for f in faulty["found"]}
    res["injected_faults"] = float(len(expected))
    res["injected_found"] = float(len(expected & found))
    bare = _isolated("bare", directory / "clean" / "upper")
    fl = _isolated("frictionless", directory / "clean" / "upper")
    res |= {"bare_read_s": bare["seconds"], "frictionless_s": fl["seconds"], "frictionless_issues": float(fl["issues"]),
            "ratio_mbpack_to_bare": res["mbpack_upper_s"] / bare["seconds"],
            "ratio_frictionless_to_mbpack": fl["seconds"] / res["mbpack_upper_s"]}  # fmt: skip
    return res


if __name__ == "__main__":
    print(json.dumps(run("--quick" in sys.argv), indent=2))
