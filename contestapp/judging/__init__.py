"""Judges, assignments, recusal, marks, sign-off, chief-judge console, tablet UI and JSON API."""
