"""The one marker of a text to translate: ``N_("...")`` marks a message for extraction
(babel's keyword ``N_``, see reports/babel.cfg); the message is translated where it is
shown, in the reader's language. Apart from the texts it marks so that a process that
only shows them (the rendering process) loads nothing else."""

from __future__ import annotations


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated where it is used."""
    return message
