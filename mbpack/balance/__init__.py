"""Compute: point balances and glacier-wide balances by both methods.

The third stage of the pipeline.  :mod:`~mbpack.balance.points` turns stake
readings, snow pits and probes into point balances;
:mod:`~mbpack.balance.profile` fits the balance profile b(z);
:mod:`~mbpack.balance.glacierwide` integrates by the altitude-band and
contour-line methods; :mod:`~mbpack.balance.uncertainty` follows Zemp et al.
(2013, doi:10.5194/tc-7-1227-2013); :mod:`~mbpack.balance.compute` runs them
all per balance year and returns :class:`~mbpack.balance.compute.Results`.

Modules here import :mod:`mbpack.workbook`, :mod:`mbpack.formats` (geo
inputs) and the core modules, never :mod:`mbpack.checks` or :mod:`mbpack.publish`.
"""
