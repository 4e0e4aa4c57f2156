#!/usr/bin/env bash
# Build the local base image (Debian bookworm, minbase, with Python 3.11) without any image
# registry: debootstrap a root file system from a Debian mirror, tar it, `docker import` it.
#
#   docker/base-image.sh                   build $MJLAB_BASE_IMAGE unless that tag exists
#   docker/base-image.sh --force           import again even if the tag exists
#   docker/base-image.sh --rebuild-rootfs  also run debootstrap again instead of using the cache
#
# The root file system tarball is cached in docker/rootfs/ (ignored by git), named after what
# goes into it, so a second run skips debootstrap. Bookworm's python3 is 3.11, like the host, so
# wheels built on the host install in the image.
#
# Environment:
#   MJLAB_BASE_IMAGE      tag to build             (default mjlab/base:bookworm)
#   MJLAB_DEBIAN_MIRROR   Debian mirror URL        (default: the one apt uses for bookworm here,
#                                                   else http://deb.debian.org/debian)
#   MJLAB_DEBIAN_SUITE    Debian suite             (default bookworm; its python3 must be 3.11)
set -euo pipefail
# shellcheck source=docker/_common.sh
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"

SUITE="${MJLAB_DEBIAN_SUITE:-bookworm}"
VARIANT=minbase
INCLUDE=python3,python3-venv,python3-pip,ca-certificates
CACHE_DIR="$MJLAB_DOCKER_DIR/rootfs"

force=0; rebuild_rootfs=0
for arg in "$@"; do
    case "$arg" in
        --force) force=1 ;;
        --rebuild-rootfs) force=1; rebuild_rootfs=1 ;;
        -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
        *) die "unknown argument '$arg' (use --force or --rebuild-rootfs)" ;;
    esac
done

# The mirror apt uses here for $SUITE, from one-line (*.list) or deb822 (*.sources) files.
detect_mirror() {
    local f
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [[ -f "$f" ]] || continue
        awk -v suite="$SUITE" '
            $1 == "deb" { sub(/\[[^]]*\][ \t]*/, ""); if ($3 == suite) { print $2; exit } }' "$f"
    done
    for f in /etc/apt/sources.list.d/*.sources; do
        [[ -f "$f" ]] || continue
        awk -v suite="$SUITE" '
            function flush() { if (isdeb && hit && uri != "") { print uri; found = 1 } isdeb = hit = 0; uri = "" }
            /^[ \t]*$/ { flush(); if (found) exit; next }
            tolower($1) == "types:" { for (i = 2; i <= NF; i++) if ($i == "deb") isdeb = 1 }
            tolower($1) == "uris:"  { uri = $2 }
            tolower($1) == "suites:" { for (i = 2; i <= NF; i++) if ($i == suite) hit = 1 }
            END { if (!found) flush() }' "$f"
    done
}

"$MJLAB_DOCKER_DIR/engine.sh"

if image_exists "$MJLAB_BASE_IMAGE" && (( ! force )); then
    say "$MJLAB_BASE_IMAGE already exists; skipping (use --force to rebuild)"
    exit 0
fi

arch="$(dpkg --print-architecture 2>/dev/null || true)"
[[ -n "$arch" ]] || die "dpkg not found: this script needs a Debian host"
key="$(printf '%s|%s|%s|%s' "$SUITE" "$VARIANT" "$INCLUDE" "$arch" | sha256sum | cut -c1-12)"
tarball="$CACHE_DIR/$SUITE-$VARIANT-$arch-$key.tar"
mkdir -p "$CACHE_DIR"

if [[ -f "$tarball" ]] && (( ! rebuild_rootfs )); then
    say "using cached root file system $tarball"
else
    [[ "$(id -u)" == 0 ]] || die "debootstrap needs root"
    if ! command -v debootstrap >/dev/null 2>&1; then
        say "installing debootstrap"
        { DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap \
            || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap; }; } \
            >"$CACHE_DIR/apt-debootstrap.log" 2>&1 \
            || die "apt-get install debootstrap failed; see $CACHE_DIR/apt-debootstrap.log"
    fi
    mirror="${MJLAB_DEBIAN_MIRROR:-$(detect_mirror | head -n1)}"
    mirror="${mirror:-http://deb.debian.org/debian}"

    work="$(mktemp -d "$CACHE_DIR/build.XXXXXX")"
    cleanup() {
        # debootstrap mounts /proc and /sys in the target; never rm -rf through a mount.
        awk -v d="$work/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r | xargs -r umount -l || true
        rm -rf --one-file-system "$work"
        rm -f "$tarball.partial"
    }
    trap cleanup EXIT

    log="$CACHE_DIR/debootstrap.log"
    say "debootstrap $SUITE ($VARIANT, $arch) from $mirror (log: $log)"
    t=$(now)
    debootstrap --variant="$VARIANT" --include="$INCLUDE" --components=main --arch="$arch" \
        "$SUITE" "$work" "$mirror" >"$log" 2>&1 \
        || die "debootstrap failed (last line: $(tail -n1 "$log")); full log: $log"
    say "debootstrap took $(elapsed "$t") s"

    # Trim what a container never reads: apt's lists and caches, docs (not copyright), man pages, logs.
    chroot "$work" apt-get clean >/dev/null 2>&1 || true
    rm -rf "$work"/var/lib/apt/lists/* "$work"/var/cache/apt/*.bin "$work"/usr/share/man/* \
           "$work"/usr/share/info/* "$work"/var/cache/debconf/*-old "$work"/var/log/*.log
    find "$work/usr/share/doc" -type f ! -name copyright -delete 2>/dev/null || true
    find "$work/usr/share/doc" -type d -empty -delete 2>/dev/null || true

    t=$(now)
    tar --numeric-owner -C "$work" -cf "$tarball.partial" .
    mv "$tarball.partial" "$tarball"
    say "root file system: $tarball ($(du -h "$tarball" | cut -f1), tar took $(elapsed "$t") s)"
fi

t=$(now)
docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' \
    --change 'CMD ["python3"]' \
    --change "LABEL io.mjlab.managed=true org.opencontainers.image.title=mjlab-base org.opencontainers.image.description=\"Debian $SUITE $VARIANT with python3 (debootstrap)\"" \
    --message "debootstrap --variant=$VARIANT --include=$INCLUDE $SUITE" \
    "$tarball" "$MJLAB_BASE_IMAGE" >/dev/null \
    || die "docker import of $tarball as $MJLAB_BASE_IMAGE failed"
say "imported $MJLAB_BASE_IMAGE in $(elapsed "$t") s ($(docker image inspect --format '{{.Size}}' "$MJLAB_BASE_IMAGE" | awk '{ printf "%.0f MB", $1 / 1e6 }'))"

version="$(docker run --rm "$MJLAB_BASE_IMAGE" python3 --version 2>&1)" \
    || die "the new image does not run python3: $version"
[[ "$version" == "Python 3.11."* ]] || die "$MJLAB_BASE_IMAGE has $version, not Python 3.11"
docker image prune --force --filter label=io.mjlab.managed=true >/dev/null 2>&1 || true
say "$MJLAB_BASE_IMAGE ready: $version"
