"""``mbpack map``: a first mapping drafted from a station's field workbook.

Rows are scored as header rows by how many of their cells name a known field
(the schemas' names and aliases — English, WGMS, Chinese — and the field words
stations write: stake, height/exposure, snow depth, density, from/to, weight,
probe, E/N/easting/northing/x/y, Bw/Bs/Ba).  Each header row starts a block;
the rows above it up to the previous block are its title area, where a title
(``WINTER``) says what the block stands for and labels (``DATE:``, ``SITE:``)
or a date inside the title give its constants.  Units come from the headers
(``(cm)``, ``(g/cm3)``) or are guessed from the values' magnitude
(:class:`mbpack.params.StationMapping`).  Every guess is written with a TOML
comment saying why and how sure; what could not be placed is listed at the top.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from mbpack import units
from mbpack.formats.station import HELPER_FIELDS, SourceSheet, cell_text, read_source
from mbpack.params import STATION
from mbpack.workbook import cells, schema

#: Field words of station headers (folded: lower case, no spaces) → field, beyond the
#: schemas' own aliases.  Checked after the table's schema (its names and aliases).
FIELD_WORDS: dict[str, str] = {
    "stake": "stake_id", "stakeno": "stake_id", "stakeid": "stake_id", "stakenr": "stake_id",
    "pole": "stake_id", "stakes": "stake_id", "花杆编号": "stake_id", "花杆": "stake_id",
    "stakeheight": "exposure", "height": "exposure", "exposure": "exposure", "exposed": "exposure",
    "oldheight": "exposure", "heightbefore": "exposure", "花杆高度": "exposure",
    "newheight": "new_exposure", "heightafter": "new_exposure", "newexposure": "new_exposure",
    "snowdepth": "snow_depth", "snow": "snow_depth", "雪深": "snow_depth", "depth": "snow_depth",
    "density": "density", "密度": "density",
    "from": "top_depth", "top": "top_depth", "to": "bottom_depth", "bottom": "bottom_depth",
    "上界深度": "top_depth", "下界深度": "bottom_depth",
    "weight": "sample_mass", "mass": "sample_mass", "重量": "sample_mass", "质量": "sample_mass",
    "ø": "sample_diameter", "diameter": "sample_diameter", "直径": "sample_diameter",
    "probe": "probe_id", "probeno": "probe_id", "p": "probe_id", "point": "probe_id",
    "e": "x", "easting": "x", "x": "x", "n": "y", "northing": "y", "y": "y",
    "elevation": "elevation", "altitude": "elevation", "z": "elevation", "海拔": "elevation",
    "高程": "elevation", "h": "elevation",
    "date": "date", "日期": "date", "notes": "remarks", "note": "remarks", "remarks": "remarks",
    "comment": "remarks", "comments": "remarks", "备注": "remarks",
    "site": "pit_id", "pit": "pit_id", "雪坑编号": "pit_id",
    "year": "year", "年份": "year", "bw": "winter_balance", "bs": "summer_balance",
    "ba": "annual_balance", "bn": "annual_balance", "winterbalance": "winter_balance",
    "summerbalance": "summer_balance", "annualbalance": "annual_balance",
    "netbalance": "annual_balance", "ela": "ela", "aar": "aar",
}  # fmt: skip

#: Fields that say which table a header row is (checked in this order).
_TABLE_SIGNS: tuple[tuple[str, frozenset[str]], ...] = (
    (
        "glacier_balance",
        frozenset({"winter_balance", "summer_balance", "annual_balance", "ela", "aar"}),
    ),
    ("snow_pits", frozenset({"top_depth", "bottom_depth", "density", "sample_mass"})),
    ("probes", frozenset({"probe_id"})),
    ("stake_readings", frozenset({"exposure", "new_exposure", "snow_depth"})),
    ("stakes", frozenset({"stake_id"})),
)

#: What a title says a stake-readings block stands for.
_TITLE_EVENTS: tuple[tuple[str, str], ...] = (
    (r"re-?\s?drill|new\s+stake|重钻", "redrill"),
    (r"extension|extended|接杆", "extension"),
    (r"winter|spring|冬|春", "winter"),
    (r"summer|autumn|fall|stake\s*round|夏|秋", "summer"),
    (r"start|initial|begin", "start"),
)
_DATE_LABEL = r"^(date|datum|日期|观测日期)\s*[:：]?$"
_SITE_LABEL = r"^(site|pit|pit\s*id|雪坑|雪坑编号)\s*[:：]?$"
_DATE_IN_TEXT = r"(\d{4}-\d{2}-\d{2})"


def _fold(text: str) -> str:
    return "".join(str(text).casefold().split()).replace("_", "").replace("-", "").rstrip(".:")


def _field_of(table: str | None, header: str) -> str | None:
    """The field a header (without its unit) names in ``table``, or in any table."""
    base = units.split_header(header)[0]
    tables = [table] if table else []
    for t in tables:
        found = schema.find_field(t, base)
        if found:
            return found
    word = FIELD_WORDS.get(_fold(base))
    if word is not None:
        return word
    for t in ("stake_readings", "stakes", "snow_pits", "probes", "glacier_balance"):
        found = schema.find_field(t, base)
        if found and not table:
            return found
    return None


@dataclass
class Column:
    position: int
    header: str
    field: str | None
    unit: str | None = None
    why: str = ""


@dataclass
class DraftBlock:
    sheet: str
    header_row: int
    table: str | None
    columns: list[Column]
    title_row: int | None = None
    title: str | None = None
    title_regex: str | None = None
    stands_for: str | None = None
    stands_why: str = ""
    constants: dict[str, tuple[str, str]] = field(default_factory=dict)
    data_rows: list[int] = field(default_factory=list)
    last_row: int = 0
    blank_rows: int = 1


def _score(sheet: SourceSheet, row: int) -> list[Column]:
    """The cells of a row that name a known field (a header row has several)."""
    out = []
    for c, value in enumerate(sheet.row_values(row), start=1):
        if not isinstance(value, str) or not value.strip():
            continue
        fname = _field_of(None, value)
        if fname is not None:
            out.append(Column(c, value.strip(), fname))
    return out


def _is_header(sheet: SourceSheet, row: int) -> bool:
    values = [v for v in sheet.row_values(row) if not cells.is_blank(v)]
    texts = [v for v in values if isinstance(v, str)]
    known = _score(sheet, row)
    return (
        len(known) >= STATION.header_min_fields
        and len(texts) == len(values)
        and 2 * len(known) >= len(texts)
    )


def _table(fields: set[str]) -> str | None:
    for table, signs in _TABLE_SIGNS:
        if fields & signs:
            if table == "stakes" and fields & {"exposure", "snow_depth", "new_exposure"}:
                continue
            return table
    return None


def _toml(value: str) -> str:
    """A TOML string: literal ('...') for regular expressions when possible, else basic."""
    if "'" not in value and "\n" not in value and "\\" in value:
        return f"'{value}'"
    return json.dumps(value, ensure_ascii=False)


def _numbers(sheet: SourceSheet, rows: list[int], col: int) -> list[float]:
    out = []
    for r in rows:
        v = sheet.value(r, col)
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            out.append(float(v))
    return out


def _unit(table: str, col: Column, values: list[float]) -> None:
    """The column's unit: from its header, else guessed from the values; with the reason."""
    fields = {f["name"]: f for f in schema.fields(table)}
    helper = HELPER_FIELDS.get(table, {})
    canonical = fields[col.field]["unit"] if col.field in fields and "unit" in fields[col.field] else (
        helper[col.field][1] if col.field in helper else None)  # fmt: skip
    written = units.split_header(col.header)[1]
    if canonical is None:
        return
    if written:
        try:
            units.factor(written, canonical)
        except ValueError:
            col.why = (
                f"the header's unit {written!r} is not one mbpack knows for {canonical}: fix it"
            )
            return
        col.unit, col.why = written, f"unit from the header ({written}): sure"
        return
    top = max((abs(v) for v in values), default=None)
    if top is None:
        col.unit, col.why = None, f"no values to guess the unit from: read as {canonical}"
        return
    if canonical == "m" and col.field in ("exposure", "snow_depth", "new_exposure", "top_depth",
                                           "bottom_depth", "superimposed_ice"):  # fmt: skip
        if top > STATION.length_cm_above:
            col.unit, col.why = (
                "cm",
                f"no unit in the header; values up to {top:g}: cm (a guess, likely)",
            )
        else:
            col.unit, col.why = (
                "m",
                f"no unit in the header; values up to {top:g}: m (a guess, likely)",
            )
    elif canonical == "m" and col.field == "sample_diameter":
        col.unit = "cm" if top > 1 else "m"
        col.why = f"no unit in the header; values up to {top:g}: {col.unit} (a guess, likely)"
    elif canonical == "kg m-3":
        col.unit = "g/cm3" if top <= 1.0 else "kg/m3"
        col.why = f"no unit in the header; values up to {top:g}: {col.unit} (a guess, sure: snow is 0.05-1 g/cm3)"
    elif canonical == "kg m-2":
        col.unit = "m w.e." if top < STATION.balance_m_below else "mm w.e."
        col.why = f"no unit in the header; values up to {top:g}: {col.unit} (a guess, likely)"
    elif canonical == "1":
        col.unit = "%" if top > 1 else "1"
        col.why = f"no unit in the header; values up to {top:g}: {'percent' if top > 1 else 'a fraction'} (a guess, likely)"
    elif canonical == "kg":
        col.unit = "g" if top > 5 else "kg"
        col.why = f"no unit in the header; values up to {top:g}: {col.unit} (a guess, likely)"
    else:
        col.unit, col.why = None, f"no unit in the header: read as {canonical} (assumed)"


def draft_blocks(sheets: dict[str, SourceSheet]) -> tuple[list[DraftBlock], list[str]]:
    """The blocks found in every sheet, and what could not be placed."""
    blocks: list[DraftBlock] = []
    unplaced: list[str] = []
    for name, sheet in sheets.items():
        headers = [r for r in range(1, len(sheet.rows) + 1) if _is_header(sheet, r)]
        if not headers:
            n = len(sheet.non_empty())
            if n:
                unplaced.append(f"sheet {name!r}: no header row found ({n} non-empty cells); "
                                "add a block for it or list it in ignore_sheets")  # fmt: skip
            continue
        previous_end = 0
        found: list[DraftBlock] = []
        for k, header in enumerate(headers):
            nxt = headers[k + 1] if k + 1 < len(headers) else len(sheet.rows) + 1
            block = _draft_block(sheet, header, previous_end + 1, nxt, unplaced)
            found.append(block)
            previous_end = block.last_row
        _title_regexes(sheet, found)
        blocks.extend(found)
    return blocks, unplaced


def _draft_block(
    sheet: SourceSheet, header: int, area_start: int, nxt: int, unplaced: list[str]
) -> DraftBlock:
    known = {c.position: c for c in _score(sheet, header)}
    table = _table({c.field for c in known.values() if c.field})
    columns: list[Column] = []
    for c, value in enumerate(sheet.row_values(header), start=1):
        text = cell_text(value)
        if text is None:
            continue
        fname = _field_of(table, text) if table else None
        if table and fname not in {f["name"] for f in schema.fields(table)} | set(
            HELPER_FIELDS.get(table, {})
        ):
            fname = None
        columns.append(Column(c, text, fname))
        if fname is None:
            unplaced.append(f"{sheet.name}!{_letters(c)}{header} {text!r}: no field of "
                            f"{table or 'any table'} known; add it to the block's columns "
                            "(a field, or \"ignore\")")  # fmt: skip
    block = DraftBlock(sheet.name, header, table, columns)
    # the block's rows: up to the next block's title area; blank runs inside are kept
    summary = re.compile(STATION.summary_pattern, re.IGNORECASE)
    data: list[int] = []
    run = longest = 0
    last = header
    for r in range(header + 1, nxt):
        if sheet.blank_row(r):
            run += 1
            continue
        first = next((t for v in sheet.row_values(r) if (t := cell_text(v))), "")
        filled = [
            c
            for c in range(1, len(sheet.row_values(r)) + 1)
            if not cells.is_blank(sheet.value(r, c))
        ]
        # after a blank row, a lone text is the next block's title (a lost stake's row
        # without values stands inside its block, not after a blank row)
        lone_text = len(filled) == 1 and isinstance(sheet.value(r, filled[0]), str)
        if (
            (run and lone_text)
            or re.search(_DATE_LABEL, first, re.I)
            or re.search(_SITE_LABEL, first, re.I)
        ):
            break  # a title or a constant row: the next block's title area
        if run and data:
            longest = max(longest, run)
        run = 0
        last = r
        if not summary.search(first):
            data.append(r)
    block.data_rows = data
    block.last_row = last
    block.blank_rows = longest + 1
    # the title area: constants and the title
    for r in range(area_start, header):
        values = sheet.row_values(r)
        for c, v in enumerate(values, start=1):
            text = cell_text(v)
            if text is None:
                continue
            nxt_value = next(
                (values[k] for k in range(c, len(values)) if not cells.is_blank(values[k])), None
            )
            if re.search(_DATE_LABEL, text, re.I) and nxt_value is not None:
                block.constants["date"] = (f"{{ after = {_toml(_DATE_LABEL)} }}",
                                           f"the cell after {text!r} in row {r}: sure")  # fmt: skip
            elif (
                re.search(_SITE_LABEL, text, re.I)
                and nxt_value is not None
                and table == "snow_pits"
            ):
                block.constants["pit_id"] = (f"{{ after = {_toml(_SITE_LABEL)} }}",
                                             f"the cell after {text!r} in row {r}: sure")  # fmt: skip
        texts = [(c, cell_text(v)) for c, v in enumerate(values, start=1) if cell_text(v)]
        if (
            len(texts) == 1
            and isinstance(values[texts[0][0] - 1], str)
            and not re.search(_DATE_LABEL + "|" + _SITE_LABEL, texts[0][1] or "", re.I)
        ):
            block.title_row, block.title = r, texts[0][1]
    if block.title and re.search(_DATE_IN_TEXT, block.title) and "date" not in block.constants:
        block.constants["date"] = (f"{{ match = {_toml(_DATE_IN_TEXT)} }}",
                                   f"the date in the title {block.title!r}: likely")  # fmt: skip
    if table == "stake_readings":
        mapped = {c.field for c in columns}
        for pattern, event in _TITLE_EVENTS:
            if block.title and re.search(pattern, block.title, re.I):
                block.stands_for, block.stands_why = (
                    event,
                    f"the title {block.title!r} says {event}: likely",
                )
                break
        if block.stands_for is None and "date" in mapped:
            block.stands_for, block.stands_why = "readings", "dates in the DATE column: sure"
        if block.stands_for is None:
            unplaced.append(f"{sheet.name}!{header}:{header}: which readings the block holds is not said "
                            "(no title, no date): set stands_for and a date")  # fmt: skip
        if block.stands_for in ("redrill", "extension", "readings") and "date" not in mapped | set(
            block.constants
        ):
            unplaced.append(f"{sheet.name}!{header}:{header}: the {block.stands_for} block has no date: "
                            "give constants.date")  # fmt: skip
    if table == "snow_pits" and "pit_id" not in {c.field for c in columns} | set(block.constants):
        unplaced.append(f"{sheet.name}!{header}:{header}: no pit id (no SITE: label, no pit column): "
                        "give constants.pit_id")  # fmt: skip
    if table:
        for col in columns:
            if col.field:
                _unit(table, col, _numbers(sheet, data, col.position))
    return block


def _letters(col: int) -> str:
    from mbpack.issues import column_letter

    return column_letter(col)


def _escape(text: str) -> str:
    """``re.escape`` without escaping spaces and hyphens (readable in the mapping)."""
    return re.escape(text).replace("\\ ", " ").replace("\\-", "-")


def _title_regexes(sheet: SourceSheet, blocks: list[DraftBlock]) -> None:
    """A title regex where the title names its block alone in the sheet; else the row number."""
    for block in blocks:
        if not block.title:
            continue
        title = block.title
        m = re.search(_DATE_IN_TEXT, title)
        regex = (
            "^" + _escape(title[: m.start()].strip())
            if m and m.start() > 0
            else f"^{_escape(title)}$"
        )
        pattern = re.compile(regex, re.IGNORECASE)
        hits = [r for r in range(1, len(sheet.rows) + 1)
                if any(isinstance(v, str) and pattern.search(v.strip()) for v in sheet.row_values(r))]  # fmt: skip
        if hits == [block.title_row]:
            block.title_regex = regex


def draft_mapping(
    source: str | os.PathLike[str],
    *,
    output: str | os.PathLike[str] | None = None,
    metadata: str | os.PathLike[str] | None = None,
) -> str:
    """A mapping drafted from a field workbook, as TOML text with a comment on every guess.

    Parameters
    ----------
    source
        The field workbook (``.xlsx``, ``.xls``, ``.ods``).
    output
        Where the mapping will be written (``metadata`` is written relative to it).
    metadata
        The station's metadata file (:mod:`mbpack.formats.station`), if there is one.

    Returns
    -------
    str
        The mapping; what could not be placed is listed in comments at its top.
    """
    source = Path(source)
    sheets = read_source(source)
    blocks, unplaced = draft_blocks(sheets)
    if metadata is None:
        unplaced.append("no metadata file: glacier, dataset and authors are not in a field workbook; "
                        "give metadata = \"FILE\" (mbpack map --metadata FILE)")  # fmt: skip
    head = [
        f"# Mapping of {source.name}, drafted by mbpack map: check every guess (comments say why",
        "# and how sure), then run  mbpack validate FIELD --map THIS_FILE.  Format: docs/mapping.md",
    ]
    if unplaced:
        head += ["#", "# Could not be placed (edit these by hand):"] + [
            f"#  - {u}" for u in unplaced
        ]
    else:
        head += ["#", "# Everything was placed."]
    out = [*head, "", "version = 1"]
    if metadata is not None:
        base = Path(output).resolve().parent if output else Path.cwd()
        rel = Path(os.path.relpath(Path(metadata).resolve(), base)).as_posix()
        out.append(
            f"metadata = {_toml(rel)}  # station metadata: glacier, dataset, authors, balance years"
        )
    unmapped_sheets = [
        n for n in sheets if n not in {b.sheet for b in blocks} and not sheets[n].non_empty()
    ]
    if unmapped_sheets:
        out.append(
            f"ignore_sheets = [{', '.join(_toml(n) for n in unmapped_sheets)}]  # empty sheets"
        )
    for block in blocks:
        if block.table is None:
            head_cols = ", ".join(repr(c.header) for c in block.columns)
            out += ["", f"# {block.sheet}!{block.header_row}:{block.header_row} ({head_cols}) looks like a "
                        "header row, but which table it is is not clear: not mapped"]  # fmt: skip
            continue
        out += ["", "[[block]]", f"sheet = {_toml(block.sheet)}",
                f"table = {_toml(block.table)}  # from its headers"]  # fmt: skip
        if block.stands_for:
            out.append(f"stands_for = {_toml(block.stands_for)}  # {block.stands_why}")
        if block.title_regex:
            out.append(f"header = {{ after = {_toml(block.title_regex)} }}  # the row after the title "
                       f"{block.title!r} (row {block.title_row}) holding these headers: row {block.header_row}")  # fmt: skip
        else:
            why = "its title repeats in the sheet" if block.title else "no title above it"
            out.append(f"header = {block.header_row}  # the header row ({why})")
        if block.blank_rows != 1:
            out.append(
                f"end = {{ blank_rows = {block.blank_rows} }}  # blank rows inside the block"
            )
        out.append("[block.columns]")
        for col in block.columns:
            if col.field is None:
                out.append(
                    f"# {_toml(col.header)} = ?  # column {_letters(col.position)}: no field known"
                )
                continue
            value = (f"{{ field = {_toml(col.field)}, unit = {_toml(col.unit)} }}" if col.unit
                     else _toml(col.field))  # fmt: skip
            why = f"  # {col.why}" if col.why else ""
            out.append(f"{_toml(col.header)} = {value}{why}")
        constants = dict(block.constants)
        if block.table == "glacier_balance":
            constants["method"] = ('"reported"', "a station's own table of results: as published")
        if constants:
            out.append("[block.constants]")
            for fname, (value, why) in constants.items():
                out.append(f"{fname} = {value}  # {why}")
    return "\n".join(out) + "\n"
