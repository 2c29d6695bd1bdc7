"""Scheduled jobs: APScheduler 3.x in a process of its own (`flask jobs run`), never inside the web server."""
