"""Publish: the package folder, its metadata, the WGMS submission and the HTML report.

The last stage of the pipeline.  It reads results; it never recomputes
them.  :mod:`~mbpack.publish.package` writes the folder;
:mod:`~mbpack.publish.wgms` the WGMS submission tables of both generations;
:mod:`~mbpack.publish.metadata` the template context and the DataCite,
schema.org and CFF records; :mod:`~mbpack.publish.render` the sandboxed
Jinja2 environment; :mod:`~mbpack.publish.htmlreport` the HTML results report.
"""
