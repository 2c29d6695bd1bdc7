#!/usr/bin/env bash
# `make run`: the development server and the scheduler (`flask jobs run`, its own process) side by side; the
# scheduler also works the job queue (certificate batches, large imports, backups), so no third process is needed.
# Ctrl-C stops both; so does the server ending for any other reason. Settings: BIN (the virtualenv's bin folder),
# HOST and PORT; FLASK_APP and the CONTESTAPP_* / DATABASE_URL variables reach both processes alike.
set -u
BIN=${BIN:-.venv/bin}
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-5000}
export FLASK_APP=${FLASK_APP:-wsgi}

"$BIN/flask" jobs run &
scheduler=$!

stop_scheduler() {
    if kill -0 "$scheduler" 2>/dev/null; then
        kill -TERM "$scheduler" 2>/dev/null
        wait "$scheduler" 2>/dev/null
    fi
}
trap stop_scheduler EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "调度进程已在后台启动（pid $scheduler，同时处理后台任务）/ scheduler and job worker started; Ctrl-C stops the server and the scheduler"
"$BIN/flask" run --host "$HOST" --port "$PORT"
