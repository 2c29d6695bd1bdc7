"""Deployment: the gunicorn settings load, a worker ends with its master (kill -9 left workers serving for seconds),
and the systemd units stop the whole process group with bounded timeouts."""
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "docs" / "deploy"
GUNICORN = Path(sys.executable).with_name("gunicorn")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [int(x) for x in out.split()]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    state = Path(f"/proc/{pid}/stat")
    return state.exists() and state.read_text().split()[2] != "Z"


def wait_until(predicate, seconds: float = 15.0) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


@pytest.mark.slow
def test_workers_end_with_their_master_on_kill_9(tmp_path):
    port = free_port()
    env = dict(os.environ, CONTESTAPP_ENV="development", CONTESTAPP_INSTANCE=str(tmp_path),
               CONTESTAPP_BIND=f"127.0.0.1:{port}", CONTESTAPP_WORKERS="2")
    master = subprocess.Popen([str(GUNICORN), "-c", str(DEPLOY / "gunicorn.conf.py"), "wsgi:app"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert wait_until(lambda: len(children(master.pid)) == 2), "gunicorn did not start two workers"

        def serves() -> bool:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                    s.sendall(b"GET /static/css/app.css HTTP/1.0\r\nHost: x\r\n\r\n")
                    return s.recv(12).startswith(b"HTTP/1.")
            except OSError:
                return False

        assert wait_until(serves)
        workers = children(master.pid)
        master.send_signal(signal.SIGKILL)
        master.wait()
        # the kernel tells each worker at once (PR_SET_PDEATHSIG in post_fork); they finish and exit
        assert wait_until(lambda: not any(alive(w) for w in workers), 10), "workers outlived their master"
        assert not serves()
    finally:
        if master.poll() is None:
            master.kill()
        for w in children(master.pid):
            os.kill(w, signal.SIGKILL)


def test_gunicorn_settings_load_and_systemd_units_kill_the_whole_group():
    checked = subprocess.run([str(GUNICORN), "--check-config", "-c", str(DEPLOY / "gunicorn.conf.py"), "wsgi:app"],
                             cwd=ROOT, env=dict(os.environ, CONTESTAPP_ENV="development"), capture_output=True,
                             text=True, timeout=60)
    assert checked.returncode == 0, checked.stderr[-2000:]
    for unit in ("contestapp-web.service", "contestapp-jobs.service"):
        text = (DEPLOY / unit).read_text()
        assert "KillMode=control-group" in text and "TimeoutStopSec=" in text and "Restart=always" in text
