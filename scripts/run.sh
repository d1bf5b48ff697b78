#!/usr/bin/env bash
#
# Run the chat server for development:
#
#     ./scripts/run.sh [ARGS...]      # ARGS are passed to chat-server
#
# Unless MONGODB_URI is set, this starts a local secantusd-rs (a
# MongoDB-compatible server, installed on first use) on 127.0.0.1:27017 with
# its data in .data/mongo (kept across restarts; delete the directory to start
# afresh) and stops it again when the server exits. If port 27017 is taken by
# something else, a free port is used instead. Every other setting (APP_PORT,
# REDIS_URL, ...) is read by the server from the environment as usual.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cd "$REPO_ROOT"

DEFAULT_MONGO_PORT=27017

if [[ -n ${MONGODB_URI:-} ]]; then
    log "using MONGODB_URI from the environment"
else
    data_dir="$REPO_ROOT/.data/mongo"
    pid_file="$REPO_ROOT/.data/mongo.pid"
    # One database per data directory: WiredTiger locks it.
    if [[ -f $pid_file ]]; then
        read -r old_pid old_port <"$pid_file" || true
        if [[ -n ${old_pid:-} ]] && is_running "$old_pid" &&
            tr '\0' ' ' <"/proc/$old_pid/cmdline" 2>/dev/null | grep -q "$SECANTUS_BIN_NAME"; then
            die "$data_dir is already in use by $SECANTUS_BIN_NAME (pid $old_pid, port ${old_port:-?}), probably another scripts/run.sh; stop it first or set MONGODB_URI=mongodb://127.0.0.1:${old_port:-PORT}"
        fi
    fi
    ensure_secantus
    port=$DEFAULT_MONGO_PORT
    if port_in_use "$port"; then
        port="$(free_port)"
        log "port $DEFAULT_MONGO_PORT is already in use by another program; using port $port for $SECANTUS_BIN_NAME"
    fi
    mkdir -p "$REPO_ROOT/.data"
    start_mongo "$data_dir" "$port" "$REPO_ROOT/.data/mongo.log"
    printf '%s %s\n' "$MONGO_PID" "$port" >"$pid_file"
    remove_on_exit "$pid_file"
    export MONGODB_URI="mongodb://127.0.0.1:$port"
    log "MONGODB_URI=$MONGODB_URI"
fi

log "starting chat-server (cargo run --release --bin chat-server)"
rc=0
run_job cargo run --release --bin chat-server -- "$@" || rc=$?
log "chat-server exited with status $rc"
exit "$rc"
