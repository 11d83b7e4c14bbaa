"""The HTML report: one self-contained page (images embedded, no network) with plots.

Per balance year the balance-elevation profile b(z) (points, fit, ELA, band
means) and a map of the stake network with the contour-line method's
isolines over the glacier grid; for the series, the seasonal and cumulative
balances with their uncertainty, ELA and AAR, and the AAR0/ELA0
regressions; tables of both methods and their difference.  Plots are
drawn on matplotlib Figures (no pyplot state, no backend chosen).
"""

from __future__ import annotations

import base64
import io
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from mbpack.balance.compute import Results
    from mbpack.issues import Report
    from mbpack.workbook.model import Workbook


def _figure(columns: int, size: tuple[float, float]) -> tuple[Any, Any]:
    """A matplotlib Figure of ``columns`` axes, not registered with pyplot (no backend chosen)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=size)
    return fig, fig.subplots(1, columns)


def _png(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight", metadata={"Software": None})
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


#: Most display cells along either side of a map: a finer grid is block-averaged first.
MAP_CELLS = 250


def display_grid(
    x: np.ndarray, y: np.ndarray, values: np.ndarray, cells: int = MAP_CELLS
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A regular grid's cells as a 2-D array for display, at most ``cells`` along either side.

    Parameters
    ----------
    x, y
        Cell centres [m] of a regular grid (in any order; cells outside the glacier absent).
    values
        The field at those cells.
    cells
        Most display cells along a side; a finer grid is averaged over blocks of k × k cells.

    Returns
    -------
    tuple of numpy.ndarray
        Display cell centres along x and along y [m], and the field (rows along y), NaN off
        the glacier.  Linear in the number of cells (no triangulation: a concave outline
        stays concave).

    Examples
    --------
    >>> x, y = np.array([0.0, 1, 2, 3, 0, 1, 2, 3]), np.array([0.0] * 4 + [1.0] * 4)
    >>> xs, ys, z = display_grid(x, y, x + 10 * y, 2)
    >>> xs.tolist(), ys.tolist(), z.tolist()
    ([0.5, 2.5], [0.5], [[5.5, 7.5]])
    """
    from mbpack.workbook.surface import spacing

    dx, dy = spacing(x), spacing(y)
    dx = 1.0 if np.isnan(dx) else dx
    dy = dx if np.isnan(dy) else dy
    ix = np.rint((x - x.min()) / dx).astype(np.int64)
    iy = np.rint((y - y.min()) / dy).astype(np.int64)
    k = max(1, int(np.ceil(max(ix.max() + 1, iy.max() + 1) / cells)))
    bx, by = ix // k, iy // k
    shape = (int(by.max()) + 1, int(bx.max()) + 1)
    flat = by * shape[1] + bx
    total = np.bincount(flat, weights=values, minlength=shape[0] * shape[1])
    count = np.bincount(flat, minlength=shape[0] * shape[1])
    with np.errstate(invalid="ignore", divide="ignore"):
        field = np.where(count > 0, total / count, np.nan).reshape(shape)
    # display centres: the centre of each block of k x k cells
    xs = x.min() + (np.arange(shape[1]) * k + (k - 1) / 2) * dx
    ys = y.min() + (np.arange(shape[0]) * k + (k - 1) / 2) * dy
    return xs, ys, field


def _year_figure(year: int, results: Results, points: pd.DataFrame) -> str:
    """The year's profile and map; ``points``: the year's point balances."""
    pts = points[points["balance_code"].isin(["winter", "annual"])].dropna(subset=["elevation"])
    gb = results.glacier_balance
    row = gb[(gb["year"] == year)].iloc[0]
    fig, (ax1, ax2) = _figure(2, (11, 4.2))
    zmin, zmax = pts["elevation"].min() - 50, pts["elevation"].max() + 50
    bands = results.band_balance[results.band_balance["year"] == year]
    if len(bands):
        zmin, zmax = (
            min(zmin, bands["lower_elevation"].min()),
            max(zmax, bands["upper_elevation"].max()),
        )
    z = np.linspace(zmin, zmax, 100)
    for code, colour in (("winter", "tab:blue"), ("annual", "tab:red")):
        p = pts[pts["balance_code"] == code]
        ax1.scatter(p["balance"] / 1000, p["elevation"], s=18, color=colour, label=f"{code} points")
        prof = results.profiles.get((year, code))
        if prof is not None:
            ax1.plot(np.asarray(prof(z)) / 1000, z, color=colour, lw=1, label=f"{code} fit")
    if len(bands):
        mid = 0.5 * (bands["lower_elevation"] + bands["upper_elevation"])
        ax1.step(
            bands["annual_balance"] / 1000,
            mid,
            where="mid",
            color="k",
            lw=0.8,
            alpha=0.6,
            label="band means (annual)",
        )
    if pd.notna(row["ela"]):
        ax1.axhline(row["ela"], color="grey", ls="--", lw=0.8, label=f"ELA {row['ela']:.0f} m")
    ax1.axvline(0, color="k", lw=0.5)
    ax1.set_xlabel("Point balance b [m w.e.]")
    ax1.set_ylabel("Elevation z [m a.s.l.]")
    ax1.set_title(f"{year}: balance-elevation profile")
    ax1.legend(fontsize=7, loc="lower right")
    field = results.fields.get((year, "annual"))
    annual = pts[pts["balance_code"] == "annual"].dropna(subset=["x", "y"])
    if field is not None and len(annual):
        grid, values = field, field.balance
        x0, y0 = grid.x.min(), grid.y.min()
        xs, ys, z = display_grid(grid.x - x0, grid.y - y0, values / 1000)
        z = np.ma.masked_invalid(z)
        tri = ax2.contourf(xs, ys, z, levels=12, cmap="RdBu")
        if z.min() < 0 < z.max():
            ax2.contour(xs, ys, z, levels=[0.0], colors="k", linewidths=1.2)
        fig.colorbar(tri, ax=ax2, label="Annual balance [m w.e.]")
        ax2.scatter(
            annual["x"] - x0, annual["y"] - y0, c="k", s=12, marker="^", label="stakes, pits"
        )
        ax2.set_aspect("equal")
        ax2.set_xlabel("Easting from grid corner [m]")
        ax2.set_ylabel("Northing from grid corner [m]")
        ax2.set_title("Contour-line method: isolines (0 in black)")
        ax2.legend(fontsize=7, loc="lower right")
    else:
        ax2.text(
            0.5,
            0.5,
            "no contour-line field (surface grid and point positions): no map",
            ha="center",
            va="center",
        )
        ax2.set_axis_off()
    return _png(fig)


def _series_figures(results: Results) -> list[tuple[str, str]]:
    gb = results.glacier_balance
    out = []
    fig, (ax1, ax2) = _figure(2, (11, 4.2))
    for method, style in (("band", "-"), ("contour", ":")):
        g = gb[gb["method"] == method].sort_values("year")
        if g.empty:
            continue
        for col, colour in (("winter_balance", "tab:blue"), ("summer_balance", "tab:orange"),
                            ("annual_balance", "tab:red")):  # fmt: skip
            ax1.plot(g["year"], g[col] / 1000, style, color=colour, marker="o", ms=3,
                     label=f"{col.split('_')[0]} ({method})")  # fmt: skip
        unc = g["annual_balance_unc"].fillna(0) / 1000
        ax1.fill_between(g["year"], g["annual_balance"] / 1000 - unc, g["annual_balance"] / 1000 + unc,
                         color="tab:red", alpha=0.15)  # fmt: skip
        cum = g["cumulative_balance"] / 1000
        cum_unc = g["cumulative_balance_unc"].fillna(0) / 1000
        ax2.plot(g["year"], cum, style, color="k", marker="o", ms=3, label=f"cumulative ({method})")
        ax2.fill_between(g["year"], cum - cum_unc, cum + cum_unc, color="grey", alpha=0.2)
    ax1.axhline(0, color="k", lw=0.5)
    ax1.set_xlabel("Balance year")
    ax1.set_ylabel("Glacier-wide balance B [m w.e.]")
    ax1.legend(fontsize=7, ncol=2)
    ax1.set_title("Winter, summer and annual balance (±1σ on annual)")
    ax2.set_xlabel("Balance year")
    ax2.set_ylabel("Cumulative balance ΣB_a [m w.e.]")
    ax2.set_title("Cumulative balance (±1σ)")
    ax2.legend(fontsize=7)
    out.append(("Series", _png(fig)))
    fig, axes = _figure(3, (13, 4))
    band = gb[gb["method"] == gb["method"].iloc[0]].sort_values("year") if len(gb) else gb
    axes[0].plot(band["year"], band["ela"], "o-", color="tab:green")
    axes[0].set_xlabel("Balance year")
    axes[0].set_ylabel("ELA [m a.s.l.]")
    axes[0].set_title("ELA and AAR per year")
    twin = axes[0].twinx()
    twin.plot(band["year"], band["aar"], "s--", color="tab:purple", ms=3)
    twin.set_ylabel("AAR [1]")
    for ax, col, label in ((axes[1], "aar", "AAR [1]"), (axes[2], "ela", "ELA [m a.s.l.]")):
        ok = band[["annual_balance", col]].dropna()
        ax.scatter(ok["annual_balance"] / 1000, ok[col], s=18)
        if len(ok) >= 3:
            c1, c0 = np.polyfit(ok["annual_balance"], ok[col], 1)
            xs = np.linspace(
                min(ok["annual_balance"].min(), 0), max(ok["annual_balance"].max(), 0), 10
            )
            ax.plot(xs / 1000, c0 + c1 * xs, color="k", lw=1)
            ax.scatter([0], [c0], color="tab:red", zorder=3, label=f"{col.upper()}0 = {c0:.2f}" if col == "aar"
                       else f"{col.upper()}0 = {c0:.0f} m")  # fmt: skip
            ax.legend(fontsize=8)
        ax.axvline(0, color="k", lw=0.5)
        ax.set_xlabel("Annual balance B_a [m w.e.]")
        ax.set_ylabel(label)
        ax.set_title(f"{col.upper()}0 by regression on B_a")
    out.append(("ELA, AAR and their balanced-budget values", _png(fig)))
    return out


def _difference(results: Results) -> list[dict[str, Any]]:
    gb = results.glacier_balance
    if set(gb["method"]) < {"band", "contour"}:
        return []
    band = gb[gb["method"] == "band"].set_index("year")
    contour = gb[gb["method"] == "contour"].set_index("year")
    years = band.index.intersection(contour.index)
    return [{"year": int(y), **{c: float(contour.at[y, c] - band.at[y, c])
                               for c in ("winter_balance", "summer_balance", "annual_balance")}} for y in years]  # fmt: skip


def report_html(workbook: Workbook, results: Results, report: Report | None, ctx: dict[str, Any],
                templates: str | os.PathLike[str] | None = None,
                progress: Callable[[], None] | None = None) -> str:  # fmt: skip
    """The report page as one HTML string."""
    from mbpack.publish.render import render

    years = (
        sorted(results.glacier_balance["year"].unique())
        if not results.glacier_balance.empty
        else []
    )
    year_figs = []
    # the points of each year taken once (not the whole table scanned for every year)
    by_year = dict(tuple(results.point_balance.groupby("year"))) if years else {}
    for y in years:
        pts = by_year.get(y)
        if pts is not None and (pts["balance_code"] == "annual").any():
            year_figs.append({"year": int(y), "image": _year_figure(int(y), results, pts)})
        if progress is not None:
            progress()
    series = [{"title": t, "image": img} for t, img in _series_figures(results)] if years else []
    return render("report.html.j2", {**ctx, "year_figures": year_figs, "series_figures": series,
                                     "difference": _difference(results)}, templates)  # fmt: skip
