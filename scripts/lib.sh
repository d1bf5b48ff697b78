# shellcheck shell=bash
#
# Shared helpers for scripts/run.sh and scripts/test.sh. Source it, don't run it:
#
#     source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#
# Sourcing installs an EXIT/INT/TERM/HUP trap that stops every service started
# through this file (by pid, nothing else), so a script that uses start_mongo /
# start_redis / run_job never leaves a database running behind it.

if [[ -n ${_CHAT_LIB_SOURCED:-} ]]; then
    return 0
fi
_CHAT_LIB_SOURCED=1

# shellcheck disable=SC2034  # used by the scripts that source this file
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# The MongoDB-compatible server used for development and tests.
SECANTUS_CRATE="secantus-mdb"
SECANTUS_VERSION="0.5.3-beta.196"
SECANTUS_BIN_NAME="secantusd-rs"

# The S3-compatible server the tests of the bucket path use (a Rust crate:
# an S3 API over a directory). 0.14.1: the last release for Rust 1.92.
S3S_CRATE="s3s-fs"
S3S_VERSION="0.14.1"
S3S_BIN_NAME="s3s-fs"

# Seconds to wait for a service to accept connections / to stop.
SERVICE_START_TIMEOUT="${SERVICE_START_TIMEOUT:-60}"
SERVICE_STOP_TIMEOUT="${SERVICE_STOP_TIMEOUT:-20}"

# ---------------------------------------------------------------------------
# Messages
# ---------------------------------------------------------------------------

_SCRIPT_NAME="$(basename "$0")"

log() {
    printf '[%s] %s\n' "$_SCRIPT_NAME" "$*" >&2
}

warn() {
    printf '[%s] warning: %s\n' "$_SCRIPT_NAME" "$*" >&2
}

# die MESSAGE — one clear line on stderr, then exit 1 (the EXIT trap still
# stops whatever was started).
die() {
    printf '[%s] error: %s\n' "$_SCRIPT_NAME" "$*" >&2
    exit 1
}

# show_log_tail FILE [LINES] — print the end of a log file to stderr, indented.
show_log_tail() {
    local file=$1 lines=${2:-30}
    if [[ -s $file ]]; then
        printf '[%s] --- last %s lines of %s ---\n' "$_SCRIPT_NAME" "$lines" "$file" >&2
        tail -n "$lines" "$file" | sed 's/^/    /' >&2
        printf '[%s] --- end of %s ---\n' "$_SCRIPT_NAME" "$file" >&2
    else
        printf '[%s] (%s is empty or missing)\n' "$_SCRIPT_NAME" "$file" >&2
    fi
}

# ---------------------------------------------------------------------------
# Process bookkeeping and cleanup
# ---------------------------------------------------------------------------

# Parallel arrays: pid and human-readable name of each process we started.
_STARTED_PIDS=()
_STARTED_NAMES=()
# Scratch directory for this script run (removed on exit). Created here, not
# lazily, so that calls from inside $(...) all see the same directory.
_LIB_TMP="$(mktemp -d "${TMPDIR:-/tmp}/chat-scripts.XXXXXX")"
# Paths to delete on exit (throwaway data directories, pid files).
_CLEANUP_DIRS=()

lib_tmpdir() {
    printf '%s\n' "$_LIB_TMP"
}

# is_running PID — true while PID exists and has not exited (a zombie that is
# not reaped yet counts as exited).
is_running() {
    local stat
    kill -0 "$1" 2>/dev/null || return 1
    stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 0
    stat=${stat##*) }
    [[ ${stat:0:1} != Z ]]
}

# remove_on_exit PATH — delete PATH (a directory or file) when the script exits.
remove_on_exit() {
    _CLEANUP_DIRS+=("$1")
}

_register_pid() {
    _STARTED_PIDS+=("$1")
    _STARTED_NAMES+=("$2")
}

# _spawn LOGFILE CMD... — start CMD in the background, in its own process group
# and with default signal dispositions (bash otherwise makes background
# children ignore SIGINT). A Ctrl-C in the terminal then reaches only the
# script, which stops the services in order. Sets _SPAWNED_PID.
_spawn() {
    local logfile=$1
    shift
    set -m
    "$@" >"$logfile" 2>&1 </dev/null &
    _SPAWNED_PID=$!
    set +m
}

# _stop_pid PID NAME — SIGTERM, wait up to SERVICE_STOP_TIMEOUT s, then SIGKILL.
_stop_pid() {
    local pid=$1 name=$2 waited=0
    is_running "$pid" || { wait "$pid" 2>/dev/null || true; return 0; }
    log "stopping $name (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    while is_running "$pid"; do
        if ((waited >= SERVICE_STOP_TIMEOUT * 10)); then
            warn "$name (pid $pid) did not stop after ${SERVICE_STOP_TIMEOUT}s; killing it"
            kill -KILL "$pid" 2>/dev/null || true
            break
        fi
        sleep 0.1
        waited=$((waited + 1))
    done
    wait "$pid" 2>/dev/null || true
}

# stop_services — stop everything started through this file, newest first.
stop_services() {
    local i
    for ((i = ${#_STARTED_PIDS[@]} - 1; i >= 0; i--)); do
        _stop_pid "${_STARTED_PIDS[i]}" "${_STARTED_NAMES[i]}"
    done
    _STARTED_PIDS=()
    _STARTED_NAMES=()
}

_on_exit() {
    local rc=$?
    trap - EXIT INT TERM HUP
    set +e
    stop_services
    local dir
    for dir in "${_CLEANUP_DIRS[@]}"; do
        rm -rf -- "$dir"
    done
    rm -rf -- "$_LIB_TMP"
    exit "$rc"
}

_on_signal() {
    local sig=$1 code=$2
    log "received SIG$sig, shutting down"
    exit "$code"
}

trap _on_exit EXIT
trap '_on_signal INT 130' INT
trap '_on_signal TERM 143' TERM
trap '_on_signal HUP 129' HUP

# run_job CMD... — run CMD like a foreground command, but forward SIGINT /
# SIGTERM / SIGHUP sent to this script to it (its whole process group, so a
# `cargo` and the program it runs both get it) and wait for it to finish.
# Returns CMD's exit status. If the script was signalled meanwhile, it exits
# (128 + signal number) once CMD has finished, running the usual cleanup.
run_job() {
    local pid rc prev_rc sig code
    set -m
    "$@" &
    pid=$!
    set +m
    _JOB_STOP_SIGNAL=""
    for sig in INT:130 TERM:143 HUP:129; do
        # shellcheck disable=SC2064  # expand $pid and the signal now
        trap "_JOB_SIGNALLED=1; _JOB_STOP_SIGNAL=$sig; kill -${sig%%:*} -- -$pid 2>/dev/null || true" "${sig%%:*}"
    done
    rc=0
    while :; do
        _JOB_SIGNALLED=""
        prev_rc=$rc
        rc=0
        wait "$pid" || rc=$?
        # A trapped signal makes `wait` return early (status 128+n) while the
        # job may still be running or shutting down: wait again, which returns
        # the job's real exit status. 127 means that status was already
        # collected by the previous round.
        if [[ -z $_JOB_SIGNALLED ]]; then
            break
        fi
        if ((rc == 127)) && ! kill -0 "$pid" 2>/dev/null; then
            rc=$prev_rc
            break
        fi
    done
    trap '_on_signal INT 130' INT
    trap '_on_signal TERM 143' TERM
    trap '_on_signal HUP 129' HUP
    if [[ -n $_JOB_STOP_SIGNAL ]]; then
        sig=${_JOB_STOP_SIGNAL%%:*}
        code=${_JOB_STOP_SIGNAL##*:}
        log "interrupted by SIG$sig ('$1' exited with status $rc)"
        exit "$code"
    fi
    return "$rc"
}

# ---------------------------------------------------------------------------
# Installing prerequisites
# ---------------------------------------------------------------------------

_APT_UPDATED=""

_as_root() {
    if ((EUID == 0)); then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo -n "$@"
    else
        return 1
    fi
}

_apt_has_candidate() {
    local candidate
    candidate="$(apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ {print $2; exit}')"
    [[ -n $candidate && $candidate != "(none)" ]]
}

_apt_update_once() {
    [[ -n $_APT_UPDATED ]] && return 0
    log "running apt-get update"
    if ! _as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >"$(lib_tmpdir)/apt-update.log" 2>&1; then
        show_log_tail "$(lib_tmpdir)/apt-update.log" 20
        die "apt-get update failed (see above)"
    fi
    _APT_UPDATED=1
}

# ensure_apt_package PKG [COMMAND] — install the Debian/Ubuntu package PKG
# unless it is already installed (or COMMAND, if given, is already on PATH).
ensure_apt_package() {
    local pkg=$1 cmd=${2:-} aptlog
    if [[ -n $cmd ]] && command -v "$cmd" >/dev/null 2>&1; then
        return 0
    fi
    if dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
        return 0
    fi
    command -v apt-get >/dev/null 2>&1 ||
        die "package '$pkg' is required but apt-get is not available; install $pkg by hand"
    if ((EUID != 0)) && ! sudo -n true 2>/dev/null; then
        die "package '$pkg' is required; install it (e.g. sudo apt-get install $pkg) or run as root"
    fi
    if ! _apt_has_candidate "$pkg"; then
        _apt_update_once
        _apt_has_candidate "$pkg" || die "apt cannot find package '$pkg' (even after apt-get update)"
    fi
    log "installing $pkg with apt-get"
    aptlog="$(lib_tmpdir)/apt-install-$pkg.log"
    if ! _as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$pkg" >"$aptlog" 2>&1; then
        # Stale package lists give 404s: refresh once and retry.
        if [[ -z $_APT_UPDATED ]]; then
            _apt_update_once
            _as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$pkg" >"$aptlog" 2>&1 || {
                show_log_tail "$aptlog" 20
                die "apt-get install $pkg failed (see above)"
            }
        else
            show_log_tail "$aptlog" 20
            die "apt-get install $pkg failed (see above)"
        fi
    fi
}

# ensure_secantus — make sure secantusd-rs is available; sets SECANTUSD to its
# path. Reuses an installed binary; otherwise builds it with cargo install
# (several minutes: it compiles the WiredTiger storage engine).
ensure_secantus() {
    local cargo_bin="${CARGO_HOME:-$HOME/.cargo}/bin" found version
    if found="$(command -v "$SECANTUS_BIN_NAME" 2>/dev/null)"; then
        SECANTUSD=$found
    elif [[ -x $cargo_bin/$SECANTUS_BIN_NAME ]]; then
        SECANTUSD=$cargo_bin/$SECANTUS_BIN_NAME
    else
        command -v cargo >/dev/null 2>&1 ||
            die "$SECANTUS_BIN_NAME is not installed and cargo is not on PATH to build it"
        ensure_apt_package cmake cmake
        ensure_apt_package gcc cc
        log "$SECANTUS_BIN_NAME not found: installing $SECANTUS_CRATE $SECANTUS_VERSION with cargo install"
        log "this builds the WiredTiger storage engine and takes several minutes (once per machine)"
        local start=$SECONDS rc=0
        # Run outside the repository so its cargo configuration does not apply.
        (cd / && cargo install "$SECANTUS_CRATE" --version "$SECANTUS_VERSION" \
            --locked --ignore-rust-version) || rc=$?
        ((rc == 0)) || die "cargo install $SECANTUS_CRATE $SECANTUS_VERSION failed (exit $rc, see above)"
        log "installed $SECANTUS_BIN_NAME in $((SECONDS - start))s"
        if found="$(command -v "$SECANTUS_BIN_NAME" 2>/dev/null)"; then
            SECANTUSD=$found
        elif [[ -x $cargo_bin/$SECANTUS_BIN_NAME ]]; then
            SECANTUSD=$cargo_bin/$SECANTUS_BIN_NAME
        else
            die "cargo install finished but $SECANTUS_BIN_NAME is neither on PATH nor in $cargo_bin"
        fi
    fi
    version="$("$SECANTUSD" --version 2>/dev/null | head -n 1)" ||
        die "$SECANTUSD does not run (try: cargo install $SECANTUS_CRATE --version $SECANTUS_VERSION --locked --force)"
    if [[ $version != *"$SECANTUS_VERSION"* ]]; then
        warn "using $SECANTUSD ($version); the project expects $SECANTUS_VERSION"
    fi
}

# ensure_s3s_fs — make sure s3s-fs is available; sets S3S_FS to its path.
# Reuses an installed binary; otherwise builds it with cargo install (a few
# minutes, once per machine).
ensure_s3s_fs() {
    local cargo_bin="${CARGO_HOME:-$HOME/.cargo}/bin" found
    if found="$(command -v "$S3S_BIN_NAME" 2>/dev/null)"; then
        S3S_FS=$found
        return 0
    elif [[ -x $cargo_bin/$S3S_BIN_NAME ]]; then
        S3S_FS=$cargo_bin/$S3S_BIN_NAME
        return 0
    fi
    command -v cargo >/dev/null 2>&1 ||
        die "$S3S_BIN_NAME is not installed and cargo is not on PATH to build it"
    log "$S3S_BIN_NAME not found: installing $S3S_CRATE $S3S_VERSION with cargo install (once per machine)"
    local start=$SECONDS rc=0
    (cd / && cargo install "$S3S_CRATE" --version "$S3S_VERSION" --features binary \
        --locked) || rc=$?
    ((rc == 0)) || die "cargo install $S3S_CRATE $S3S_VERSION failed (exit $rc, see above)"
    log "installed $S3S_BIN_NAME in $((SECONDS - start))s"
    [[ -x $cargo_bin/$S3S_BIN_NAME ]] ||
        die "cargo install finished but $S3S_BIN_NAME is not in $cargo_bin"
    S3S_FS=$cargo_bin/$S3S_BIN_NAME
}

# ---------------------------------------------------------------------------
# Ports
# ---------------------------------------------------------------------------

# port_in_use PORT — true if something accepts TCP connections on 127.0.0.1:PORT.
port_in_use() {
    timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

# free_port — print a TCP port on 127.0.0.1 that is free right now.
free_port() {
    local port tries
    if command -v python3 >/dev/null 2>&1; then
        # Let the kernel choose an unused port.
        port="$(python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()' 2>/dev/null)" && [[ -n $port ]] && { printf '%s\n' "$port"; return 0; }
    fi
    for ((tries = 0; tries < 100; tries++)); do
        port=$((20000 + RANDOM % 30000))
        if ! port_in_use "$port"; then
            printf '%s\n' "$port"
            return 0
        fi
    done
    die "could not find a free TCP port on 127.0.0.1"
}

# _wait_until_ready NAME PID LOGFILE CHECK_CMD...: poll CHECK_CMD until it
# succeeds; die with the log tail if PID exits or SERVICE_START_TIMEOUT passes.
_wait_until_ready() {
    local name=$1 pid=$2 logfile=$3 deadline rc
    shift 3
    deadline=$((SECONDS + SERVICE_START_TIMEOUT))
    while :; do
        if ! is_running "$pid"; then
            rc=0
            wait "$pid" 2>/dev/null || rc=$?
            show_log_tail "$logfile"
            die "$name exited during startup (exit $rc); its log is $logfile"
        fi
        if "$@"; then
            return 0
        fi
        if ((SECONDS >= deadline)); then
            show_log_tail "$logfile"
            die "$name did not accept connections within ${SERVICE_START_TIMEOUT}s; its log is $logfile"
        fi
        sleep 0.2
    done
}

# ---------------------------------------------------------------------------
# Services
# ---------------------------------------------------------------------------

_mongo_ready() {
    local port=$1 logfile=$2
    grep -q "listening on" "$logfile" 2>/dev/null && port_in_use "$port"
}

# start_mongo DATA_DIR PORT LOGFILE [EXTRA_FLAGS...] — start secantusd-rs on
# 127.0.0.1:PORT with its data in DATA_DIR, wait until it accepts connections.
# Sets MONGO_PID. Call ensure_secantus first (done here if not).
start_mongo() {
    local data_dir=$1 port=$2 logfile=$3 config
    shift 3
    [[ -n ${SECANTUSD:-} ]] || ensure_secantus
    mkdir -p "$data_dir" 2>/dev/null || die "cannot create the data directory $data_dir"
    mkdir -p "$(dirname "$logfile")" 2>/dev/null || die "cannot create the directory for $logfile"
    if port_in_use "$port"; then
        die "cannot start $SECANTUS_BIN_NAME: port $port on 127.0.0.1 is already in use"
    fi
    # An explicit (empty) config file turns off secantusd.toml auto-discovery
    # (./, ~/.secantus/, /etc/secantus/), so a stray config cannot change how
    # the database behaves here (e.g. turn on auth).
    config="$(lib_tmpdir)/secantusd.toml"
    : >"$config"
    log "starting $SECANTUS_BIN_NAME on 127.0.0.1:$port (data: $data_dir, log: $logfile)"
    _spawn "$logfile" "$SECANTUSD" --config "$config" --host 127.0.0.1 --port "$port" \
        --storage-path "$data_dir" "$@"
    MONGO_PID=$_SPAWNED_PID
    _register_pid "$MONGO_PID" "$SECANTUS_BIN_NAME"
    _wait_until_ready "$SECANTUS_BIN_NAME" "$MONGO_PID" "$logfile" _mongo_ready "$port" "$logfile"
    log "$SECANTUS_BIN_NAME is up (pid $MONGO_PID)"
}

# start_s3s_fs ROOT PORT LOGFILE ACCESS_KEY SECRET_KEY — start s3s-fs on
# 127.0.0.1:PORT serving the directory ROOT (each bucket a folder of it),
# wait until it accepts connections. Sets S3S_PID.
start_s3s_fs() {
    local root=$1 port=$2 logfile=$3 access_key=$4 secret_key=$5
    [[ -n ${S3S_FS:-} ]] || ensure_s3s_fs
    mkdir -p "$root" "$(dirname "$logfile")"
    if port_in_use "$port"; then
        die "cannot start $S3S_BIN_NAME: port $port on 127.0.0.1 is already in use"
    fi
    log "starting $S3S_BIN_NAME on 127.0.0.1:$port (data: $root, log: $logfile)"
    _spawn "$logfile" "$S3S_FS" --host 127.0.0.1 --port "$port" \
        --access-key "$access_key" --secret-key "$secret_key" "$root"
    S3S_PID=$_SPAWNED_PID
    _register_pid "$S3S_PID" "$S3S_BIN_NAME"
    _wait_until_ready "$S3S_BIN_NAME" "$S3S_PID" "$logfile" port_in_use "$port"
    log "$S3S_BIN_NAME is up (pid $S3S_PID)"
}

_redis_ready() {
    [[ $(redis-cli -h 127.0.0.1 -p "$1" ping 2>/dev/null) == PONG ]]
}

# start_redis PORT LOGFILE — start a throwaway redis-server (no persistence) on
# 127.0.0.1:PORT, wait for PING -> PONG. Sets REDIS_PID.
start_redis() {
    local port=$1 logfile=$2 workdir
    ensure_apt_package redis-server redis-server
    ensure_apt_package redis-tools redis-cli
    command -v redis-server >/dev/null 2>&1 || die "redis-server is installed but not on PATH"
    mkdir -p "$(dirname "$logfile")" 2>/dev/null || die "cannot create the directory for $logfile"
    if port_in_use "$port"; then
        die "cannot start redis-server: port $port on 127.0.0.1 is already in use"
    fi
    workdir="$(lib_tmpdir)/redis"
    mkdir -p "$workdir"
    log "starting redis-server on 127.0.0.1:$port (log: $logfile)"
    _spawn "$logfile" redis-server --bind 127.0.0.1 --port "$port" \
        --save '' --appendonly no --daemonize no --dir "$workdir"
    REDIS_PID=$_SPAWNED_PID
    _register_pid "$REDIS_PID" redis-server
    _wait_until_ready redis-server "$REDIS_PID" "$logfile" _redis_ready "$port"
    log "redis-server is up (pid $REDIS_PID)"
}
