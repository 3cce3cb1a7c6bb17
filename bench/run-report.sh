#!/bin/sh
# Runs every benchmark once on this machine (release builds) and writes results/REPORT.md from the
# results. Build first (see README.md). Usage:
#   bench/run-report.sh [POSTGRES_URL]     e.g. postgres://postgres@127.0.0.1:54329/bench (empty database)
# A run that finds a problem is reported and the next one still runs.
set -u
T=${CARGO_TARGET_DIR:-/work/target-bench}
B=$T/release/scorecast-bench
S=$T/release/scorecast
NOTE="scorecast $(git -C "$(dirname "$0")" rev-parse --short HEAD), release build"
run() {
    echo "== $*" >&2
    "$B" "$@" --no-progress --note "$NOTE" || echo "== exit $? from: $*" >&2
}
run fanout --spawn-server "$S" -n 5000 -k 10 --with-floor
run fanout --spawn-server "$S" -n 18000 -k 10 --with-floor
run bandwidth --spawn-server "$S" -p 1000 -w 1000 --duration 120s
run ingest --spawn-server "$S"
if [ -n "${1:-}" ]; then
    run ingest --spawn-server "$S" --database-url "$1"
fi
run poll --spawn-server "$S" --with-nginx
"$B" summary --note "One run of every subcommand on this machine; $NOTE."
