#!/usr/bin/env bash
# Build the mjlab server image.
#
#   docker/build.sh                          wheels + base image (if missing) + image
#   docker/build.sh --base python:3.11-slim  use that base image as it is (pulled if not local)
#   docker/build.sh --tag mjlab/mjlab:ci     image tag (default $MJLAB_IMAGE, mjlab/mjlab:dev)
#
# 1. Wheels, on the host (nothing in a container downloads from PyPI): the project and its
#    runtime dependencies (not the dev extra) into docker/wheels/, with `pip wheel`, pinned to the
#    versions installed in the project's .venv so the image runs what the tests ran.
# 2. The base image: $MJLAB_BASE_IMAGE if it exists, else docker/base-image.sh builds it.
# 3. docker build -f docker/Dockerfile with the repository as context (.dockerignore lets only
#    docker/wheels/ through), then the image size is printed.
#
# Environment:
#   MJLAB_IMAGE            image tag          (default mjlab/mjlab:dev)
#   MJLAB_BASE_IMAGE       base image         (default mjlab/base:bookworm)
#   MJLAB_PIP              pip to build wheels with (default .venv/bin/pip, else python3.11 -m pip)
#   MJLAB_PIN_TO_VENV=0    do not pin dependency versions to those of .venv
set -euo pipefail
# shellcheck source=docker/_common.sh
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"

base=""
while (( $# )); do
    case "$1" in
        --base) [[ $# -ge 2 ]] || die "--base needs an image name"; base="$2"; shift 2 ;;
        --base=*) base="${1#--base=}"; shift ;;
        --tag) [[ $# -ge 2 ]] || die "--tag needs an image name"; MJLAB_IMAGE="$2"; shift 2 ;;
        --tag=*) MJLAB_IMAGE="${1#--tag=}"; shift ;;
        -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
        *) die "unknown argument '$1' (see --help)" ;;
    esac
done

cd "$MJLAB_REPO_ROOT"
total=$(now)

"$MJLAB_DOCKER_DIR/engine.sh"

# ---- 1. wheels -----------------------------------------------------------------------------------
if [[ -n "${MJLAB_PIP:-}" ]]; then
    read -r -a pip <<<"$MJLAB_PIP"
elif [[ -x .venv/bin/pip ]]; then
    pip=(.venv/bin/pip)
elif command -v python3.11 >/dev/null 2>&1; then
    pip=(python3.11 -m pip)
else
    die "no .venv/bin/pip and no python3.11: create the venv first (python3.11 -m venv .venv)"
fi
pyver="$("${pip[@]}" --version | sed -n 's/.*(python \([0-9.]*\)).*/\1/p')"
[[ "$pyver" == 3.11 ]] || die "${pip[*]} runs Python ${pyver:-?}; the image's Python is 3.11, so wheels must be built with 3.11"

wheels="$MJLAB_DOCKER_DIR/wheels"
rm -rf "$wheels"
mkdir -p "$wheels"
pin=()
if [[ "${MJLAB_PIN_TO_VENV:-1}" != 0 && -x .venv/bin/pip ]]; then
    # Everything installed in .venv except the project itself (editable) and direct references.
    .venv/bin/pip freeze --exclude-editable 2>/dev/null \
        | grep -Ev '^(#|-e |mobile[-_.]journey[-_.]lab)|@' >"$wheels/.constraints.txt" || true
    pin=(--constraint "$wheels/.constraints.txt")
fi
t=$(now)
"${pip[@]}" wheel --quiet --disable-pip-version-check --wheel-dir "$wheels" "${pin[@]}" . \
    >"$wheels/.pip-wheel.log" 2>&1 \
    || die "pip wheel failed (last line: $(tail -n1 "$wheels/.pip-wheel.log")); log: $wheels/.pip-wheel.log${pin:+ (versions pinned to .venv: reinstall it, or MJLAB_PIN_TO_VENV=0)}"
shopt -s nullglob
all_wheels=("$wheels"/*.whl)
project_wheels=("$wheels"/mobile_journey_lab-*.whl)
shopt -u nullglob
project_wheel="${project_wheels[0]:-}"
[[ -n "$project_wheel" ]] || die "pip wheel did not produce mobile_journey_lab-*.whl"
version="$(basename "$project_wheel" | cut -d- -f2)"
# Only pure-Python or CPython 3.11 wheels can install in the image.
bad="$(printf '%s\n' "${all_wheels[@]##*/}" | awk -F- '{ t = $(NF-2) } t !~ /^(py3|py2\.py3|cp311)$/ && $(NF-1) != "abi3" { print }')"
[[ -z "$bad" ]] || die "wheels not installable on CPython 3.11: $bad"
say "built ${#all_wheels[@]} wheels in $(elapsed "$t") s ($(du -sh "$wheels" | cut -f1)), mobile-journey-lab $version"

# ---- 2. base image -------------------------------------------------------------------------------
if [[ -z "$base" ]]; then
    base="$MJLAB_BASE_IMAGE"
    if ! image_exists "$base"; then
        MJLAB_BASE_IMAGE="$base" "$MJLAB_DOCKER_DIR/base-image.sh"
    fi
elif ! image_exists "$base"; then
    say "base image $base is not local: docker build will try to pull it"
fi

# ---- 3. image ------------------------------------------------------------------------------------
t=$(now)
docker build --build-arg "BASE_IMAGE=$base" --build-arg "MJLAB_VERSION=$version" \
    -t "$MJLAB_IMAGE" -f docker/Dockerfile . \
    || die "docker build of $MJLAB_IMAGE (base $base) failed"
# Drop dangling images of ours: the install stage and the build this one replaced.
docker image prune --force --filter label=io.mjlab.managed=true >/dev/null 2>&1 || true
size="$(docker image inspect --format '{{.Size}}' "$MJLAB_IMAGE" | awk '{ printf "%.0f MB", $1 / 1e6 }')"
say "built $MJLAB_IMAGE (base $base) in $(elapsed "$t") s; image size $size; total $(elapsed "$total") s"
