"""Waterwheel: a workflow scheduler of containerised tasks joined by a Petri net of tokens."""

__version__ = "0.1.0"
