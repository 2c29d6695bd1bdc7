"""gunicorn settings for contestapp: `gunicorn -c docs/deploy/gunicorn.conf.py wsgi:app`.

Every value can be set from the environment (the systemd unit's EnvironmentFile, i.e. the app's .env).
"""
import ctypes
import ctypes.util
import os
import signal

bind = os.environ.get("CONTESTAPP_BIND", "127.0.0.1:8000")
# Sync workers (requests are short). PostgreSQL: 2 x cores. SQLite: as many as cores (writes take turns).
workers = int(os.environ.get("CONTESTAPP_WORKERS", str(2 * (os.cpu_count() or 1))))
worker_class = "sync"
timeout = int(os.environ.get("CONTESTAPP_WORKER_TIMEOUT", "30"))      # a stuck request is killed after this
graceful_timeout = int(os.environ.get("CONTESTAPP_GRACEFUL_TIMEOUT", "20"))  # finish requests on stop/reload
keepalive = 5
max_requests = 5000          # recycle workers now and then (memory held by one huge export is given back)
max_requests_jitter = 500
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
forwarded_allow_ips = os.environ.get("CONTESTAPP_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
errorlog = "-"
proc_name = "contestapp"

_PR_SET_PDEATHSIG = 1


def post_fork(server, worker):
    """A worker ends with its master: if the master is killed (kill -9, OOM killer), the kernel sends the worker
    SIGTERM at once, instead of the worker serving on until it notices its parent changed. (systemd's
    KillMode=control-group does the same for the whole service; this also covers gunicorn started by hand.)"""
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != server.pid:  # the master died between fork and prctl
        os.kill(os.getpid(), signal.SIGTERM)
