"""The annual report: ``reports.model.ReportData`` -> ``reports.render.render_pdf``.

Plain Python (no orchestrator): templates in ``templates/``, stylesheet and fonts in
``static/``. ``python -m reports.sample OUT.pdf`` renders a fictional sample report.
"""
