# Shared helpers for the docker/ scripts. Sourced, not executed.
# shellcheck shell=bash

# shellcheck disable=SC2034  # used by the scripts that source this file
MJLAB_DOCKER_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck disable=SC2034
MJLAB_REPO_ROOT="$(cd "$MJLAB_DOCKER_DIR/.." && pwd)"
: "${MJLAB_BASE_IMAGE:=mjlab/base:bookworm}"
: "${MJLAB_IMAGE:=mjlab/mjlab:dev}"

# One line on stderr, prefixed with the script's name.
say() { printf '%s: %s\n' "$(basename "$0")" "$*" >&2; }
die() { say "error: $*"; exit 1; }

# Seconds since the epoch with a fraction, for timings.
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }
