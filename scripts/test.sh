#!/usr/bin/env bash
#
# Run the whole test suite:
#
#     ./scripts/test.sh [ARGS...]     # ARGS are passed to `cargo test --locked`
#
# Starts a throwaway secantusd-rs (MongoDB-compatible; temporary data
# directory, free port) unless MONGODB_URI is set, and a throwaway redis-server
# (free port, no persistence) unless REDIS_URL is set, exports MONGODB_URI and
# REDIS_URL, starts a throwaway s3s-fs (an S3-compatible server over a
# temporary directory) for the tests of the bucket path unless
# CHAT_TEST_S3_ENDPOINT is set, runs the Rust tests (the API suite twice: with Redis, as several
# instances run, and without, as a single instance) and then the playground's
# npm tests (if it has any). Missing tools are installed on first use. The
# services are always stopped afterwards; their logs stay in .data/test-logs/.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cd "$REPO_ROOT"

LOG_DIR="$REPO_ROOT/.data/test-logs"
SERVICE_LOGS=()

start_test_services() {
    mkdir -p "$LOG_DIR"
    if [[ -n ${MONGODB_URI:-} ]]; then
        log "using MONGODB_URI from the environment"
    else
        ensure_secantus
        local data_dir port
        data_dir="$(mktemp -d "${TMPDIR:-/tmp}/chat-test-mongo.XXXXXX")"
        remove_on_exit "$data_dir"
        port="$(free_port)"
        # A small WAL file: the store is thrown away after the run.
        start_mongo "$data_dir" "$port" "$LOG_DIR/mongo.log" --log-file-max 16MB
        SERVICE_LOGS+=("$LOG_DIR/mongo.log")
        export MONGODB_URI="mongodb://127.0.0.1:$port"
    fi
    if [[ -n ${REDIS_URL:-} ]]; then
        log "using REDIS_URL from the environment"
    else
        local port
        port="$(free_port)"
        start_redis "$port" "$LOG_DIR/redis.log"
        SERVICE_LOGS+=("$LOG_DIR/redis.log")
        export REDIS_URL="redis://127.0.0.1:$port"
    fi
    if [[ -n ${CHAT_TEST_S3_ENDPOINT:-} ]]; then
        log "using CHAT_TEST_S3_ENDPOINT from the environment"
    else
        local root port
        root="$(mktemp -d "${TMPDIR:-/tmp}/chat-test-s3.XXXXXX")"
        remove_on_exit "$root"
        port="$(free_port)"
        # The keys the tests sign with (tests/api/helpers/s3.rs).
        start_s3s_fs "$root" "$port" "$LOG_DIR/s3.log" chat-test-access chat-test-secret-0123456789
        SERVICE_LOGS+=("$LOG_DIR/s3.log")
        export CHAT_TEST_S3_ENDPOINT="http://127.0.0.1:$port" CHAT_TEST_S3_ROOT="$root"
    fi
    log "MONGODB_URI=$MONGODB_URI REDIS_URL=$REDIS_URL CHAT_TEST_S3_ENDPOINT=$CHAT_TEST_S3_ENDPOINT"
}

run_rust_tests() {
    log "running: cargo test --locked $*"
    run_job cargo test --locked "$@"
}

# The API suite again as a single instance without Redis, the deployment a
# new user runs first (./scripts/run.sh): the in-process bus, presence,
# typing and socket counts. Tests that need Redis bring a private one.
run_rust_tests_without_redis() {
    log "running: cargo test --locked --test api $* (no REDIS_URL: single instance)"
    run_job env -u REDIS_URL cargo test --locked --test api "$@"
}

# Node tests of the browser playground: run only when playground/package.json
# exists and defines a "test" script.
run_node_tests() {
    local pkg="$REPO_ROOT/playground/package.json"
    if [[ ! -f $pkg ]]; then
        log "no playground/package.json: skipping node tests"
        return 0
    fi
    if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
        die "playground/package.json has a test script but node/npm are not installed"
    fi
    if ! node -e 'const p = require(process.argv[1]); process.exit(p.scripts && p.scripts.test ? 0 : 1)' "$pkg"; then
        log "playground/package.json has no \"test\" script: skipping node tests"
        return 0
    fi
    # The browser test drives Debian's Chromium (no browser download).
    ensure_apt_package chromium chromium
    log "running node tests in playground/ (npm ci && npm test)"
    local rc=0
    cd "$REPO_ROOT/playground"
    run_job npm ci || rc=$?
    if ((rc == 0)); then
        run_job npm test || rc=$?
    fi
    cd "$REPO_ROOT"
    return "$rc"
}

start_test_services

rc=0
run_rust_tests "$@" || rc=$?
if ((rc == 0)); then
    run_rust_tests_without_redis "$@" || rc=$?
fi
node_rc=0
run_node_tests || node_rc=$?
if ((rc == 0)); then
    rc=$node_rc
fi

if ((rc != 0)); then
    for f in "${SERVICE_LOGS[@]}"; do
        show_log_tail "$f" 20
    done
    log "tests FAILED (exit status $rc)"
else
    log "all tests passed"
fi
exit "$rc"
