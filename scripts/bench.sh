#!/usr/bin/env bash
#
# Reproduce the performance figures (loadgen/PERFORMANCE.md):
#
#     ./scripts/bench.sh [ARGS...]    # ARGS go to loadgen, e.g. --quick
#
# Builds chat-server and loadgen in release, starts a throwaway secantusd-rs
# (MongoDB-compatible; temporary data directory, free port) unless
# MONGODB_URI is set, and runs loadgen, which starts the server on a fresh
# database, runs every scenario and prints one Markdown table on stdout
# (progress goes to stderr). The database is stopped afterwards; its log
# stays in .data/bench-logs/. Run it on an otherwise idle machine: the
# table reports the load average at the start for that reason.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cd "$REPO_ROOT"

LOG_DIR="$REPO_ROOT/.data/bench-logs"
TARGET_DIR="${CARGO_TARGET_DIR:-$REPO_ROOT/target}"

# One at a time: built together, cargo would unify the two packages'
# dependency features and compile the server differently from a plain
# `cargo build --release`.
log "building chat-server (release)"
run_job cargo build --release --locked --bin chat-server
log "building loadgen (release)"
run_job cargo build --release --locked -p loadgen

mkdir -p "$LOG_DIR"
if [[ -n ${MONGODB_URI:-} ]]; then
    log "using MONGODB_URI from the environment"
else
    ensure_secantus
    data_dir="$(mktemp -d "${TMPDIR:-/tmp}/chat-bench-mongo.XXXXXX")"
    remove_on_exit "$data_dir"
    port="$(free_port)"
    start_mongo "$data_dir" "$port" "$LOG_DIR/mongo.log" --log-file-max 64MB
    export MONGODB_URI="mongodb://127.0.0.1:$port"
fi

# Ten thousand sockets in each process: loadgen raises its soft open-file
# limit to the hard one (and the server inherits it); say so if that is low.
hard_limit="$(ulimit -Hn)"
if [[ $hard_limit != unlimited ]] && ((hard_limit < 12000)); then
    warn "the hard open-file limit is $hard_limit; the 10,000-socket idle level needs about 12,000 (raise it in /etc/security/limits.conf, or run with --idle 1000,5000)"
fi

log "running loadgen $*"
rc=0
run_job "$TARGET_DIR/release/loadgen" --server-bin "$TARGET_DIR/release/chat-server" \
    --server-log "$LOG_DIR/chat-server.log" "$@" || rc=$?
exit "$rc"
