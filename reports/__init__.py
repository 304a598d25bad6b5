"""The annual report: ``reports.model.ReportData`` -> ``reports.render.render_pdf``.

Plain Python (no orchestrator): templates in ``templates/``, stylesheet and fonts in
``static/``, French and Spanish messages in ``locale/`` (gettext; how to update them is
in ``reports/i18n.py``), charts from ``charts.py`` and ``worldmap.py``.
``python -m reports.sample OUT.pdf [--lang fr] [--missing 2023] [--attach]`` renders a
fictional sample report.
"""
