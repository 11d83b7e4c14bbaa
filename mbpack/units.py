"""Units at the edges: a unit written in a header is converted to the canonical one.

Canonical units (``unit`` in ``schemas/*.json``, see the glaciology primer):
balance ``kg m-2`` (= mm w.e.), length ``m``, elevation ``m``, area
``km2``, density ``kg m-3``, fraction ``1``, mass ``kg`` (a snow sample's weight).  A header such as
``exposure (cm)`` or ``density (g/cm3)`` is read as a factor that turns
the written values into canonical ones.
"""

from __future__ import annotations

import re

#: Factor from the written unit to the canonical one, per canonical unit.
#: Keys are normalised (lower case, no spaces, ``^`` and ``·`` removed).
CONVERSIONS: dict[str, dict[str, float]] = {
    "m": {"m": 1.0, "cm": 0.01, "mm": 0.001, "米": 1.0, "厘米": 0.01, "km": 1000.0},
    "kg m-2": {
        "kgm-2": 1.0,
        "kg/m2": 1.0,
        "kgm2": 1.0,
        "mmw.e.": 1.0,
        "mmwe": 1.0,
        "mm": 1.0,
        "mw.e.": 1000.0,
        "mwe": 1000.0,
        "cmw.e.": 10.0,
        "cmwe": 10.0,
        "g/cm2": 10.0,
        "毫米水当量": 1.0,
        "米水当量": 1000.0,
    },
    "kg m-3": {
        "kgm-3": 1.0,
        "kg/m3": 1.0,
        "g/cm3": 1000.0,
        "gcm-3": 1000.0,
        "t/m3": 1000.0,
        "g/l": 1.0,
    },
    "km2": {
        "km2": 1.0,
        "km²": 1.0,
        "m2": 1e-6,
        "m²": 1e-6,
        "ha": 0.01,
        "平方公里": 1.0,
        "平方千米": 1.0,
    },
    "1": {"1": 1.0, "fraction": 1.0, "%": 0.01, "percent": 0.01},
    "kg": {"kg": 1.0, "g": 0.001, "克": 0.001, "千克": 1.0, "公斤": 1.0},
    "degree": {"degree": 1.0, "deg": 1.0, "°": 1.0, "degrees": 1.0},
}

_HEADER_UNIT = re.compile(r"^(?P<name>.*?)\s*[\(\[（【](?P<unit>[^\)\]）】]*)[\)\]）】]\s*$")


def normalize_unit(unit: str) -> str:
    """Unit text folded for lookup: lower case, no spaces, ``^`` or ``·``.

    >>> normalize_unit("kg m^-3"), normalize_unit(" g / cm3 ")
    ('kgm-3', 'g/cm3')
    """
    text = unit.casefold().replace("^", "").replace("·", "").replace("⁻", "-")
    text = text.replace("³", "3").replace("²", "2")
    return "".join(text.split())


def split_header(header: str) -> tuple[str, str | None]:
    """Split ``"density (g/cm3)"`` into ``("density", "g/cm3")``.

    >>> split_header("exposure (cm)")
    ('exposure', 'cm')
    >>> split_header("雪深（cm）")
    ('雪深', 'cm')
    >>> split_header("stake_id")
    ('stake_id', None)
    """
    match = _HEADER_UNIT.match(str(header).strip())
    if not match:
        return str(header).strip(), None
    return match["name"].strip(), match["unit"].strip()


def factor(written: str, canonical: str) -> float:
    """Factor turning values in ``written`` units into ``canonical`` units.

    Raises
    ------
    ValueError
        When the written unit is not one of the known units for the
        canonical one (the message lists them).

    >>> factor("cm", "m")
    0.01
    >>> factor("g/cm3", "kg m-3")
    1000.0
    """
    table = CONVERSIONS.get(canonical)
    key = normalize_unit(written)
    if table is None:
        if key == normalize_unit(canonical):
            return 1.0
        raise ValueError(f"unit {written!r} given for a column without a unit")
    if key in table:
        return table[key]
    if key == normalize_unit(canonical):
        return 1.0
    raise ValueError(
        f"unit {written!r} is not a unit of {canonical}; use one of: {', '.join(sorted(table))}"
    )
