"""Real field inputs: a GeoTIFF DEM, an outline or mask, projected stakes and probes, density profiles."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from mbpack.balance.compute import compute
from mbpack.cli import main
from mbpack.errors import ComputationError
from mbpack.workbook import read_workbook

rasterio = pytest.importorskip("rasterio")

X0, Y0, CELL, NX, NY = 300000.0, 4840000.0, 25.0, 40, 100  # 1 km x 2.5 km, elevation 3500 + y/5
C0, C1 = -6.0 * 4100.0, 6.0  # annual b = 6 (z - 4100): ablation everywhere [kg m-2]
W0, W1 = 100.0, 0.5  # winter b = 100 + 0.5 (z - 3500)
STAKES = [
    (150.0, 200.0),
    (500.0, 700.0),
    (850.0, 1200.0),
    (300.0, 1700.0),
    (700.0, 2200.0),
    (450.0, 2350.0),
]


def z_of(y: float) -> float:
    return 3500.0 + (y - Y0) / 5.0


@pytest.fixture
def field(tmp_path: Path) -> dict[str, Path]:
    from rasterio.transform import from_origin

    transform = from_origin(X0, Y0 + NY * CELL, CELL, CELL)
    ys = Y0 + NY * CELL - (np.arange(NY) + 0.5) * CELL
    dem = np.repeat(((ys - Y0) / 5.0 + 3500.0)[:, None], NX, axis=1).astype("float32")
    profile = {
        "driver": "GTiff",
        "width": NX,
        "height": NY,
        "count": 1,
        "crs": "EPSG:32645",
        "transform": transform,
    }
    with rasterio.open(tmp_path / "dem.tif", "w", dtype="float32", **profile) as out:
        out.write(dem, 1)
    xs = X0 + (np.arange(NX) + 0.5) * CELL
    inside = (
        (xs[None, :] > X0 + 100)
        & (xs[None, :] < X0 + 900)
        & (ys[:, None] > Y0 + 100)
        & (ys[:, None] < Y0 + 2400)
    )
    with rasterio.open(tmp_path / "mask.tif", "w", dtype="uint8", **profile) as out:
        out.write(inside.astype("uint8"), 1)
    ring = [
        [X0 + 100, Y0 + 100],
        [X0 + 900, Y0 + 100],
        [X0 + 900, Y0 + 2400],
        [X0 + 100, Y0 + 2400],
        [X0 + 100, Y0 + 100],
    ]
    (tmp_path / "outline.geojson").write_text(json.dumps(
        {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {},
                                                    "geometry": {"type": "Polygon", "coordinates": [ring]}}]}))  # fmt: skip
    lines = ["Stake,Easting,Northing,Elevation,Hw,Dw,Hs"]
    for i, (dx, dy) in enumerate(STAKES):
        z = z_of(Y0 + dy)
        dw = (W0 + W1 * (z - 3500)) / 400.0  # uniform 400 kg m-3 profile
        h0 = 2.0
        hs = h0 - (C0 + C1 * z) / 900.0
        lines.append(
            f"S{i},{X0 + dx},{Y0 + dy},{z},{(h0 - dw) * 100:.4f},{dw * 100:.4f},{hs * 100:.4f}"
        )  # cm
    (tmp_path / "stakes.csv").write_text("\n".join(lines) + "\n")
    probes = ["P,E,N,D (cm)"] + [f"{k},{X0 + 200 + 60 * k},{Y0 + 300 + 180 * k},{(W0 + W1 * (z_of(Y0 + 300 + 180 * k) - 3500)) / 4.0:.4f}"
                                 for k in range(10)]  # fmt: skip
    (tmp_path / "probes.csv").write_text("\n".join(probes) + "\n")
    (tmp_path / "density.csv").write_text("DEPTH,DENSITY\n20,0.40\n60,0.40\n120,0.40\n200,0.40\n")
    return {name: tmp_path / f for name, f in (("dem", "dem.tif"), ("mask", "mask.tif"), ("outline", "outline.geojson"),
                                                ("stakes", "stakes.csv"), ("probes", "probes.csv"), ("density", "density.csv"))}  # fmt: skip


@pytest.mark.parametrize("embed", [False, True], ids=["surfaces", "embed-grid"])
@pytest.mark.parametrize("outline", ["outline", "mask"])
def test_import_and_compute_match_the_analytic_answer(
    field: dict[str, Path], tmp_path: Path, outline: str, embed: bool
) -> None:
    out = tmp_path / "imported.xlsx"
    result = CliRunner().invoke(main, [
        "import", "stakes", str(field["stakes"]), "--year", "2010", "--probes", str(field["probes"]),
        "--density", str(field["density"]), "--dem", str(field["dem"]), "--outline", str(field[outline]), "-o", str(out),
        *(["--embed-grid"] if embed else []),
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "read as cm (a guess" in result.stderr and "read as g/cm3 (a guess" in result.stderr
    wb = read_workbook(out)
    if embed:
        grid = wb["surface_grid"]
        assert wb["surfaces"].empty
    else:  # the rasters stay rasters, named relative to the workbook (here: the same folder)
        from mbpack.formats.geo import grid_from_dem

        assert wb["surface_grid"].empty
        surfaces = wb["surfaces"]
        assert surfaces[["year", "dem", "outline"]].values.tolist() == [
            [2010, "dem.tif", field[outline].name]
        ]
        grid = grid_from_dem(field["dem"], field[outline], 2010)
    assert len(grid) == 32 * 92  # cells whose centres are inside the outline
    assert wb.record("glacier")["crs"] == "EPSG:32645"
    assert wb["hypsometry"]["area"].sum() == pytest.approx(len(grid) * CELL**2 / 1e6)
    mean_z = grid["elevation"].mean()
    gb = compute(wb).glacier_balance.set_index("method")
    # the contour method's field is held at the highest point's balance above the highest
    # point (its stated bound), which costs a few kg m-2 on this linear field
    for method, tolerance in (("band", 1.0), ("contour", 5.0)):
        assert gb.loc[method, "annual_balance"] == pytest.approx(C0 + C1 * mean_z, abs=tolerance), (
            method
        )
        assert gb.loc[method, "winter_balance"] == pytest.approx(
            W0 + W1 * (mean_z - 3500), abs=tolerance
        ), method
    assert (gb.loc["band", "ela_position"], gb.loc["band", "aar"]) == (">", 0.0)
    stakes = wb["stakes"]
    from pyproj import Transformer

    lon, lat = Transformer.from_crs("EPSG:32645", "EPSG:4326", always_xy=True).transform(
        X0 + 150.0, Y0 + 200.0
    )
    assert stakes.loc[0, "latitude"] == pytest.approx(lat, abs=1e-6)
    assert stakes.loc[0, "longitude"] == pytest.approx(lon, abs=1e-6)


def test_bad_crs_and_missing_extra(field: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    from mbpack.formats import geo
    from mbpack.formats.importers import import_stakes

    with pytest.raises(
        ComputationError, match=r"'EPSG:999999' is not a coordinate reference system"
    ):
        import_stakes(field["stakes"], year=2010, crs="EPSG:999999")
    real = geo._need

    def no_rasterio(module: str) -> object:
        if module.startswith("rasterio"):
            raise ComputationError(
                f"{module} is needed for DEM, outline and CRS inputs; {geo.EXTRA}"
            )
        return real(module)

    monkeypatch.setattr(geo, "_need", no_rasterio)
    with pytest.raises(ComputationError, match=r"pip install 'mbpack\[geo\]'"):
        import_stakes(field["stakes"], year=2010, dem=field["dem"])


def test_import_wgms_and_package_round_trip(tmp_path: Path) -> None:
    from test_publish import small

    from mbpack.formats.datapackage import equal_tables
    from mbpack.publish import package as publish
    from mbpack.publish import wgms as submission

    wb = small()
    publish.package(wb, tmp_path / "pkg", results=compute(wb), html=False)
    runner = CliRunner()
    assert (
        runner.invoke(
            main, ["import", "package", str(tmp_path / "pkg"), "-o", str(tmp_path / "p.xlsx")]
        ).exit_code
        == 0
    )
    assert equal_tables(wb, read_workbook(tmp_path / "p.xlsx")) == []
    result = runner.invoke(
        main,
        [
            "import",
            "wgms",
            str(tmp_path / "pkg" / "wgms" / "upper"),
            "-o",
            str(tmp_path / "w.xlsx"),
        ],
    )
    assert result.exit_code == 0, result.output
    back = read_workbook(tmp_path / "w.xlsx")
    assert back.record("glacier")["wgms_id"] == 1234
    gb = back["glacier_balance"].iloc[0]
    computed = compute(wb).glacier_balance.set_index("method").loc["band"]
    assert gb["annual_balance"] == round(computed["annual_balance"])
    assert len(back["point_balance"]) == len(
        submission.wgms_tables(wb, "upper", results=compute(wb))["EEE-MASS_BALANCE_POINT"]
    )


def test_workbook_names_its_dem_and_outline(field: dict[str, Path], tmp_path: Path) -> None:
    """A surfaces sheet with paths relative to the workbook: the contour method runs on the DEM's cells."""
    import shutil

    from mbpack.formats.importers import import_stakes
    from mbpack.workbook import write_workbook

    imported = import_stakes(field["stakes"], year=2010, dem=field["dem"], outline=field["outline"])
    wb = imported.workbook()
    grid_cells = len(wb["surface_grid"])
    folder = tmp_path / "station"
    (folder / "gis").mkdir(parents=True)
    shutil.copy(field["dem"], folder / "gis" / "dem.tif")
    shutil.copy(field["outline"], folder / "gis" / "outline.geojson")
    tables = dict(wb.tables)
    tables["surface_grid"] = tables["surface_grid"].iloc[0:0]
    tables["surfaces"] = [{"year": 2010, "dem": "gis/dem.tif", "outline": "gis/outline.geojson"}]
    tables["hypsometry"] = tables["hypsometry"].assign(
        area=tables["hypsometry"]["area"] * 1.1
    )  # off by 10 %
    write_workbook(tables, folder / "glacier.xlsx")
    result = compute(read_workbook(folder / "glacier.xlsx"))
    contour = result.glacier_balance.set_index("method").loc["contour"]
    assert contour["area"] == pytest.approx(grid_cells * CELL**2 / 1e6)
    assert [i.code for i in result.issues if i.code == "hypsometry-mismatch"] == [
        "hypsometry-mismatch"
    ]


def test_shapefile_outline_resampling_and_wgms_coordinates(
    field: dict[str, Path], tmp_path: Path
) -> None:
    import shapefile

    from mbpack.formats.importers import import_stakes
    from mbpack.publish import wgms as submission

    ring = [
        [X0 + 100, Y0 + 100],
        [X0 + 100, Y0 + 2400],
        [X0 + 900, Y0 + 2400],
        [X0 + 900, Y0 + 100],
        [X0 + 100, Y0 + 100],
    ]
    with shapefile.Writer(str(tmp_path / "outline"), shapeType=shapefile.POLYGON) as w:
        w.field("name", "C")
        w.poly([ring])
        w.record("glacier")
    fine = import_stakes(
        field["stakes"], year=2010, dem=field["dem"], outline=tmp_path / "outline.shp"
    ).workbook()
    assert len(fine["surface_grid"]) == 32 * 92  # the same cells as the GeoJSON outline
    coarse = import_stakes(
        field["stakes"], year=2010, dem=field["dem"], outline=field["outline"], resolution=50.0
    )
    grid = coarse.workbook()["surface_grid"]
    assert len(grid) == 16 * 46 and np.diff(np.unique(grid["x"])).min() == 50.0
    gb = compute(coarse.workbook()).glacier_balance.set_index("method")
    # the linear field's mean over the cells; the isolines every 250 kg m-2, traced over the
    # surface that holds the margin cells' values out to the outline, integrate it to 1.8
    assert gb.loc["contour", "annual_balance"] == pytest.approx(
        C0 + C1 * grid["elevation"].mean(), abs=3.0
    )
    # WGMS point coordinates come from x/y through pyproj when the workbook has no latitude/longitude
    wb = coarse.workbook()
    results = compute(wb)
    results.point_balance = results.point_balance.assign(latitude=np.nan, longitude=np.nan)
    wb.tables["glacier"].loc[0, "country"] = "CN"
    eee = submission.wgms_tables(wb, "upper", results=results)["EEE-MASS_BALANCE_POINT"]
    assert eee["POINT_LAT"].notna().all() and eee["POINT_LAT"].between(43.0, 44.5).all()


def test_copy_rasters_beside_the_workbook(field: dict[str, Path], tmp_path: Path) -> None:
    """--copy-rasters: the workbook and its rasters move together; compute reads the copies."""
    out = tmp_path / "station" / "glacier.xlsx"
    out.parent.mkdir()
    args = ["import", "stakes", str(field["stakes"]), "--year", "2010", "--dem", str(field["dem"]),
            "--outline", str(field["outline"]), "-o", str(out)]  # fmt: skip
    named = CliRunner().invoke(main, args)
    assert named.exit_code == 0, named.output
    assert read_workbook(out)["surfaces"]["dem"].tolist() == ["../dem.tif"]
    out.unlink()
    copied = CliRunner().invoke(main, [*args, "--copy-rasters"])
    assert copied.exit_code == 0, copied.output
    assert (out.parent / "dem.tif").read_bytes() == field["dem"].read_bytes()
    moved = tmp_path / "moved"
    out.parent.rename(moved)
    field["dem"].unlink()  # only the copies are left
    wb = read_workbook(moved / "glacier.xlsx")
    assert wb["surfaces"][["dem", "outline"]].values.tolist() == [["dem.tif", "outline.geojson"]]
    contour = compute(wb).glacier_balance.set_index("method").loc["contour"]
    assert contour["area"] == pytest.approx(32 * 92 * CELL**2 / 1e6)
    both = CliRunner().invoke(main, [*args, "--copy-rasters", "--embed-grid"])
    assert both.exit_code == 2


def test_several_density_profiles_in_one_file(field: dict[str, Path], tmp_path: Path) -> None:
    """Two snow-fork profiles one after the other (0, 50, 100 cm at 0.30, then at 0.50 g/cm3).

    Kept as two pits of two layers each (the 0 cm rows would be layers of no thickness: left out,
    noted); the workbook validates with 0 errors. The probes lie equally near both (one position),
    so their SWE is the mean: D x (300 + 500) / 2 = 400 D, the field's analytic 400 kg m-3 profile.
    """
    from mbpack.checks.validate import validate
    from mbpack.workbook.writer import write_workbook

    (tmp_path / "forks.csv").write_text(
        "DEPTH,DENSITY\n0,0.30\n50,0.30\n100,0.30\n0,0.50\n50,0.50\n100,0.50\n"
    )
    out = tmp_path / "imported.xlsx"
    result = CliRunner().invoke(main, [
        "import", "stakes", str(field["stakes"]), "--year", "2010", "--probes", str(field["probes"]),
        "--density", str(tmp_path / "forks.csv"), "--dem", str(field["dem"]), "--outline", str(field["outline"]),
        "-o", str(out),
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "forks.csv:2: depth 0 m repeats" in result.stderr and "2 profile(s)" in result.stderr
    # the only error is the one the importer names for the user to fill in (not in the source)
    assert "not in the source, fill it in: glacier!country" in result.stderr
    errors = [(i.sheet, i.column) for i in validate(out).issues if i.severity == "error"]
    assert errors == [("glacier", "country")]
    wb = read_workbook(out)
    wb.tables["glacier"].loc[0, "country"] = "CN"
    report = validate(write_workbook(wb, tmp_path / "filled.xlsx"))
    assert report.errors == 0 and not [i for i in report.issues if i.sheet == "snow_pits"]
    pits = wb["snow_pits"]
    assert pits.groupby("pit_id").size().to_dict() == {
        "density-profile-1": 2,
        "density-profile-2": 2,
    }
    points = compute(wb).point_balance
    probes = points[points["source"] == "probe"].merge(
        wb["probes"][["probe_id", "snow_depth"]], left_on="point_id", right_on="probe_id"
    )
    assert (probes["balance"] - 400 * probes["snow_depth"]).abs().max() <= 5.0  # rounded to 10
    assert probes["remarks"].str.contains("mean of pits density-profile-1, density-profile-2").all()


def test_import_stakes_records_the_time_system_of_the_data(
    field: dict[str, Path], tmp_path: Path
) -> None:
    """A stake table without dates is stratigraphic (nominal dates, said); with --dates, floating-date."""
    base = ["import", "stakes", str(field["stakes"]), "--year", "2010", "--crs", "EPSG:32645"]
    plain, dated = tmp_path / "plain.xlsx", tmp_path / "dated.xlsx"
    result = CliRunner().invoke(main, [*base, "-o", str(plain)])
    assert result.exit_code == 0, result.output
    assert "no survey dates: a stratigraphic year (STR)" in result.stderr
    year = read_workbook(plain)["balance_years"].iloc[0]
    assert year["time_system"] == "STR" and "nominal" in year["remarks"]
    result = CliRunner().invoke(
        main, [*base, "--dates", "2009-09-12", "2010-05-03", "2010-09-08", "-o", str(dated)]
    )
    assert result.exit_code == 0, result.output
    back = read_workbook(dated)
    year = back["balance_years"].iloc[0]
    assert year["time_system"] == "FLO" and pd.isna(year["remarks"])
    assert [str(d.date()) for d in year[["begin_date", "winter_end_date", "end_date"]]] == [
        "2009-09-12",
        "2010-05-03",
        "2010-09-08",
    ]
    assert sorted({str(d.date()) for d in back["stake_readings"]["date"]}) == [
        "2009-09-12",
        "2010-05-03",
        "2010-09-08",
    ]


def test_outline_on_a_large_dem_reads_its_window(tmp_path: Path) -> None:
    """A 2 000 x 2 000 cell DEM (a regional tile) with a glacier outline of 40 x 60 cells in it.

    Only the window around the outline is read (the outline's 40 x 60 cells plus one cell of
    margin on each side: 42 x 62), and the grid is exactly the cells whose centres the polygon
    covers, with their elevations, as a full read masked by rasterio's geometry_mask gives.
    """
    from rasterio.features import geometry_mask
    from rasterio.transform import from_origin
    from shapely.geometry import Polygon

    from mbpack.formats import geo

    n, cell, x0, y0 = 2000, 5.0, 500000.0, 4800000.0
    transform = from_origin(x0, y0 + n * cell, cell, cell)
    z = (3000.0 + np.add.outer(np.arange(n) * 0.1, np.arange(n) * 0.01)).astype("float32")
    with rasterio.open(tmp_path / "tile.tif", "w", driver="GTiff", width=n, height=n, count=1,
                       dtype="float32", crs="EPSG:32645", transform=transform) as out:  # fmt: skip
        out.write(z, 1)
    left, bottom = x0 + 5000.0, y0 + 3000.0  # cells 1000-1039 across, 1340-1399 down
    ring = [(left, bottom), (left + 200.0, bottom), (left + 200.0, bottom + 300.0),
            (left, bottom + 300.0), (left, bottom)]  # fmt: skip
    (tmp_path / "outline.geojson").write_text(
        json.dumps({"type": "Polygon", "coordinates": [ring]})
    )
    with rasterio.open(tmp_path / "tile.tif") as source:
        window = geo._window(source, [Polygon(ring)])
        assert (window.width, window.height) == (42, 62)
        full = source.read(1)
    inside = ~geometry_mask([Polygon(ring)], out_shape=(n, n), transform=transform)
    rows, cols = np.nonzero(inside)
    grid = geo.grid_from_dem(tmp_path / "tile.tif", tmp_path / "outline.geojson", 2010)
    assert len(grid) == 40 * 60 == rows.size
    expected = pd.DataFrame({"x": x0 + (cols + 0.5) * cell, "y": y0 + n * cell - (rows + 0.5) * cell,
                             "elevation": full[rows, cols].astype(float)})  # fmt: skip
    got = grid.sort_values(["y", "x"], ascending=[False, True]).reset_index(drop=True)
    pd.testing.assert_frame_equal(got[["x", "y", "elevation"]], expected)
