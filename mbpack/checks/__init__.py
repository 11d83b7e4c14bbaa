"""Check: the rules a workbook or a WGMS FoG release must meet, reported by cell.

The second stage of the pipeline.  :mod:`~mbpack.checks.rules` holds the
workbook rules (Pandera checks derived from the Table Schemas, plus the
cross-field and cross-table glaciological rules);
:mod:`~mbpack.checks.validate` runs them on a workbook;
:mod:`~mbpack.checks.wgms` checks WGMS FoG releases of both generations.

Modules here import :mod:`mbpack.workbook`, :mod:`mbpack.formats` and the
core modules, never :mod:`mbpack.balance` or :mod:`mbpack.publish`.
"""
