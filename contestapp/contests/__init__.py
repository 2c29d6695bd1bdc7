"""Contests, events, rounds and criteria; contest definition files."""
