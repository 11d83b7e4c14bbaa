"""Formats: other files mbpack reads, and the data-package layout.

WGMS FoG tables of both generations (:mod:`~mbpack.formats.wgms`: table
definitions, generation detection, reading one glacier), GLAMOS/VAW files
(:mod:`~mbpack.formats.glamos`), the Frictionless data package
(:mod:`~mbpack.formats.datapackage`), DEM and outline rasters
(:mod:`~mbpack.formats.geo`, the ``geo`` extra) and the importers that turn
each into a workbook (:mod:`~mbpack.formats.importers`).

Modules here import :mod:`mbpack.workbook` and the core modules only.
"""
