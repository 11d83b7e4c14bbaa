"""Check: the rules a workbook or a WGMS FoG release must meet, reported by cell.

The second stage of the pipeline, one check engine for both inputs:
:mod:`~mbpack.checks.registry` holds every rule (code, severity, sheet or tables,
columns, message, thresholds); :mod:`~mbpack.checks.rules` registers the workbook
rules (Pandera checks derived from the Table Schemas, plus the cross-field and
cross-table glaciological rules) and :mod:`~mbpack.checks.validate` runs them on a
workbook; :mod:`~mbpack.checks.fog_rules` registers the FoG rules and
:mod:`~mbpack.checks.wgms` applies them, with the Table Schema checks, to WGMS FoG
releases of both generations, table by table.

Modules here import :mod:`mbpack.workbook`, :mod:`mbpack.formats` and the
core modules, never :mod:`mbpack.balance` or :mod:`mbpack.publish`.
"""
