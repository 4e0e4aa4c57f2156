#!/usr/bin/env bash
# Make sure a Docker engine answers on this machine. Idempotent.
#
#   docker/engine.sh          ensure an engine (install docker.io, start dockerd, wait)
#   docker/engine.sh --stop   stop the dockerd that this script started (by its pid file)
#
# If `docker info` already works, nothing is done. Otherwise, as root: Debian's docker.io is
# installed when dockerd is missing, dockerd is started in the background (its own session, so it
# outlives this script) with its log in $MJLAB_DOCKERD_LOG, and we wait up to $MJLAB_DOCKER_WAIT
# seconds for `docker info` to answer.
#
# Storage driver: overlay2 when an overlay mount works on the data root (probed with a real mount),
# vfs otherwise; if dockerd does not come up on overlay2 it is retried once on vfs.
#
# Environment:
#   MJLAB_DOCKERD_LOG               dockerd's log           (default /tmp/mjlab-dockerd.log)
#   MJLAB_DOCKERD_PIDFILE           pid of the dockerd we started (default /tmp/mjlab-dockerd.pid)
#   MJLAB_DOCKER_WAIT               seconds to wait for the engine (default 60)
#   MJLAB_DOCKER_STORAGE_DRIVER     force a storage driver (overlay2, vfs); default: probe
#   MJLAB_DOCKER_DATA_ROOT          dockerd --data-root     (default /var/lib/docker)
#   MJLAB_DOCKERD_EXTRA_ARGS        more dockerd flags, word-split (e.g. "--iptables=false")
set -euo pipefail
# shellcheck source=docker/_common.sh
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"

LOG="${MJLAB_DOCKERD_LOG:-/tmp/mjlab-dockerd.log}"
PIDFILE="${MJLAB_DOCKERD_PIDFILE:-/tmp/mjlab-dockerd.pid}"
WAIT="${MJLAB_DOCKER_WAIT:-60}"
DATA_ROOT="${MJLAB_DOCKER_DATA_ROOT:-/var/lib/docker}"

engine_line() {
    docker info --format 'server {{.ServerVersion}}, storage driver {{.Driver}}, cgroup {{.CgroupDriver}} v{{.CgroupVersion}}' 2>/dev/null \
        || echo "server answers"
}

stop_engine() {
    [[ -f "$PIDFILE" ]] || { say "no $PIDFILE: no dockerd started by this script"; return 0; }
    local pid; pid="$(cat "$PIDFILE")"
    if [[ "$(cat "/proc/$pid/comm" 2>/dev/null || true)" != dockerd ]] || ! alive "$pid"; then
        say "pid $pid from $PIDFILE is not a running dockerd; nothing to stop"
        rm -f "$PIDFILE"; return 0
    fi
    kill -TERM "$pid"
    local _
    for _ in $(seq 1 40); do alive "$pid" || break; sleep 0.5; done
    if alive "$pid"; then die "dockerd (pid $pid) did not stop within 20 s"; fi
    rm -f "$PIDFILE"
    say "stopped dockerd (pid $pid)"
}

# Can the kernel mount overlayfs with its upper dir on the data root's file system?
overlay_works() {
    grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null || return 1
    mkdir -p "$DATA_ROOT"
    local d ok=1
    d="$(mktemp -d "$DATA_ROOT/.mjlab-overlay-probe.XXXXXX")" || return 1
    mkdir -p "$d/lower" "$d/upper" "$d/work" "$d/merged"
    if mount -t overlay overlay -o "lowerdir=$d/lower,upperdir=$d/upper,workdir=$d/work" "$d/merged" 2>/dev/null; then
        ok=0
        umount "$d/merged" || true
    fi
    rm -rf "$d"
    return "$ok"
}

# Is PID a live process (not a zombie waiting to be reaped)?
alive() {
    local state
    state="$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" || return 1
    [[ -n "$state" && "$state" != Z ]]
}

# wait_ready PID DEADLINE: 0 when `docker info` answers, 1 when PID died, 2 at the deadline.
wait_ready() {
    local pid="$1" deadline="$2"
    while (( SECONDS < deadline )); do
        docker info >/dev/null 2>&1 && return 0
        if [[ -n "$pid" ]] && ! alive "$pid"; then return 1; fi
        sleep 0.5
    done
    docker info >/dev/null 2>&1 && return 0
    return 2
}

# A dockerd or containerd killed a moment ago leaves its pid file behind, and a new one refuses to
# start (or waits for the old containerd) while that pid is still in /proc as an unreaped zombie.
clear_stale_pidfiles() {
    local f
    for f in /var/run/docker.pid /var/run/docker/containerd/containerd.pid; do
        if [[ -f "$f" ]] && ! alive "$(cat "$f" 2>/dev/null || echo 0)"; then rm -f "$f"; fi
    done
}

start_dockerd() {
    local driver="$1" pid
    clear_stale_pidfiles
    local -a extra=()
    # shellcheck disable=SC2206
    [[ -n "${MJLAB_DOCKERD_EXTRA_ARGS:-}" ]] && extra=(${MJLAB_DOCKERD_EXTRA_ARGS})
    [[ "$DATA_ROOT" != /var/lib/docker ]] && extra+=("--data-root=$DATA_ROOT")
    printf '\n=== %s engine.sh: dockerd --storage-driver=%s %s\n' "$(date -u +%FT%TZ)" "$driver" "${extra[*]:-}" >>"$LOG"
    setsid nohup dockerd --storage-driver="$driver" "${extra[@]}" >>"$LOG" 2>&1 </dev/null &
    pid=$!
    echo "$pid" >"$PIDFILE"
    echo "$pid"
}

case "${1:-}" in
    --stop) stop_engine; exit 0 ;;
    "") ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    *) die "unknown argument '$1' (use --stop or nothing)" ;;
esac

if docker info >/dev/null 2>&1; then
    say "docker engine already running ($(engine_line))"
    exit 0
fi

command -v docker >/dev/null 2>&1 || die "no docker client on PATH"
if [[ -n "${DOCKER_HOST:-}" && "${DOCKER_HOST}" != unix:///var/run/docker.sock ]]; then
    die "DOCKER_HOST=$DOCKER_HOST does not answer, and this script only starts a local dockerd; unset DOCKER_HOST"
fi
[[ "$(id -u)" == 0 ]] || die "no docker engine answers and starting one needs root (run as root or start dockerd yourself)"

start=$(now)
deadline=$(( SECONDS + WAIT ))

# A dockerd that is already starting: wait for it rather than start a second one.
existing=""
for p in $(pgrep -x dockerd || true); do
    if alive "$p"; then existing="$p"; break; fi
done
if [[ -n "$existing" ]]; then
    say "dockerd (pid $existing) is running but not answering yet; waiting up to ${WAIT}s"
    rc=0; wait_ready "$existing" "$deadline" || rc=$?
    case "$rc" in
        0) say "docker engine ready ($(engine_line)) after $(elapsed "$start") s"; exit 0 ;;
        1) say "dockerd (pid $existing) exited; starting a new one" ;;
        *) die "dockerd (pid $existing) is running but 'docker info' does not answer after ${WAIT}s; see its log" ;;
    esac
fi

if ! command -v dockerd >/dev/null 2>&1; then
    say "dockerd missing: installing Debian's docker.io (log: /tmp/mjlab-apt-docker.log)"
    t=$(now)
    export DEBIAN_FRONTEND=noninteractive
    { apt-get update -q && apt-get install -y -q docker.io; } \
        >/tmp/mjlab-apt-docker.log 2>&1 \
        || die "apt-get install docker.io failed; see /tmp/mjlab-apt-docker.log"
    command -v dockerd >/dev/null 2>&1 || die "docker.io installed but dockerd is not on PATH"
    say "installed docker.io in $(elapsed "$t") s"
    deadline=$(( SECONDS + WAIT ))
fi

driver="${MJLAB_DOCKER_STORAGE_DRIVER:-}"
if [[ -z "$driver" ]]; then
    if overlay_works; then driver=overlay2; else driver=vfs; fi
fi

touch "$LOG"
log_from=$(( $(stat -c %s "$LOG") + 1 ))
pid="$(start_dockerd "$driver")"
rc=0; wait_ready "$pid" "$deadline" || rc=$?
if (( rc == 1 )); then
    # One more try: on vfs if overlay2 was refused, else the same driver (a dockerd or containerd
    # killed just before can make the first start time out waiting for containerd).
    if [[ "$driver" == overlay2 && -z "${MJLAB_DOCKER_STORAGE_DRIVER:-}" ]] \
        && tail -c "+$log_from" "$LOG" | grep -qiE 'error initializing graphdriver|driver not supported'; then
        say "dockerd refused the overlay2 storage driver; retrying with vfs"
        driver=vfs
    else
        say "dockerd exited during start-up ($(tail -n1 "$LOG" | cut -c1-160)); retrying once"
    fi
    pid="$(start_dockerd "$driver")"
    rc=0; wait_ready "$pid" "$deadline" || rc=$?
fi
case "$rc" in
    0) say "docker engine ready ($(engine_line)), dockerd pid $pid, log $LOG, in $(elapsed "$start") s" ;;
    1) die "dockerd exited during start-up (storage driver $driver); last log line: $(tail -n1 "$LOG")" ;;
    *) die "dockerd (pid $pid) did not answer within ${WAIT}s; see $LOG" ;;
esac
