#!/usr/bin/env bash
# CI helper: get a Docker engine and the mjlab image ready, optionally smoke-test the image.
#
#   docker/ci.sh            engine.sh, then build.sh (which builds the base image if missing)
#   docker/ci.sh --smoke    the same, then start the image, wait until the core's /_sim/health
#                           answers 200 on its published port, print endpoints.json, stop it
#                           (warns unless it exits 0) and remove it
#   docker/ci.sh --smoke-only   only the smoke test, against an existing $MJLAB_IMAGE
#
# Then, for the tests:  . docker/ci-env.sh   (MJLAB_IMAGE, TESTCONTAINERS_* for this machine)
#
# Environment: those of docker/ci-env.sh, plus MJLAB_SMOKE_TIMEOUT (seconds, default 60) and
# MJLAB_SMOKE_ARGS (arguments after the image, default "--clock virtual").
set -euo pipefail
# shellcheck source=docker/_common.sh
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"
# shellcheck source=docker/ci-env.sh
source "$MJLAB_DOCKER_DIR/ci-env.sh"

build=1; smoke=0
case "${1:-}" in
    "") ;;
    --smoke) smoke=1 ;;
    --smoke-only) build=0; smoke=1 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) die "unknown argument '$1' (use --smoke or --smoke-only)" ;;
esac

total=$(now)
"$MJLAB_DOCKER_DIR/engine.sh"
if (( build )); then
    "$MJLAB_DOCKER_DIR/build.sh"
fi
(( smoke )) || { say "ready: $MJLAB_IMAGE in $(elapsed "$total") s"; exit 0; }

image_exists "$MJLAB_IMAGE" || die "no image $MJLAB_IMAGE: run docker/build.sh"
timeout="${MJLAB_SMOKE_TIMEOUT:-60}"
read -r -a args <<<"${MJLAB_SMOKE_ARGS:---clock virtual}"
t=$(now)
cid="$(docker run -d -p 127.0.0.1::8500 "$MJLAB_IMAGE" "${args[@]}")" \
    || die "docker run $MJLAB_IMAGE failed"
trap 'docker rm -f "$cid" >/dev/null 2>&1 || true' EXIT
die_if_exited() {
    [[ "$(docker inspect -f '{{.State.Running}}' "$cid" 2>/dev/null)" != true ]] || return 0
    docker logs --tail 20 "$cid" >&2 || true
    die "the container exited ($(docker inspect -f 'exit code {{.State.ExitCode}}' "$cid")) before $1"
}
port="$(docker port "$cid" 8500/tcp 2>/dev/null | awk -F: '/^127\.0\.0\.1:/ { print $2; exit }')" || true
if [[ -z "$port" ]]; then
    die_if_exited "its port was published"
    die "container port 8500 is not published on 127.0.0.1"
fi
url="http://127.0.0.1:$port/_sim/health"
deadline=$(( SECONDS + timeout ))
until code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url")" && [[ "$code" == 200 ]]; do
    die_if_exited "$url answered"
    (( SECONDS < deadline )) || { docker logs --tail 20 "$cid" >&2 || true; die "$url did not answer 200 within ${timeout}s (last: ${code:-none})"; }
    sleep 0.2
done
say "smoke: $url answered 200 after $(elapsed "$t") s"
endpoints="$(docker exec "$cid" cat /var/lib/mjlab/endpoints.json)" \
    || die "no /var/lib/mjlab/endpoints.json in the container"
say "smoke: endpoints.json (container addresses): $(tr -d ' \n' <<<"$endpoints")"
grep -q '"core"' <<<"$endpoints" || die "endpoints.json has no \"core\" key"
t=$(now)
docker stop --time 10 "$cid" >/dev/null || die "docker stop failed"
code="$(docker inspect -f '{{.State.ExitCode}}' "$cid")"
if [[ "$code" == 0 ]]; then
    say "smoke: docker stop: exit 0 in $(elapsed "$t") s"
else
    say "warning: docker stop: exit code $code after $(elapsed "$t") s (the server did not stop cleanly on its stop signal)"
fi
say "smoke passed for $MJLAB_IMAGE in $(elapsed "$total") s"
