"""The web application (SPEC section 5): public downloads, member uploads, the staff area.

Starlette on uvicorn; pages are jinja2 templates with autoescaping, member pages in the
member's language (the ``collection`` gettext domain). Imports run down: web -> cicopa.
"""
