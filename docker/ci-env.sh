# Environment for running the docker stack mode (testcontainers) on this kind of machine.
# Source it:  . docker/ci-env.sh   (values already set in the environment win)
# shellcheck shell=bash

# The image the docker mode starts (docker/build.sh tags it).
export MJLAB_IMAGE="${MJLAB_IMAGE:-mjlab/mjlab:dev}"
# The base image docker/build.sh builds on (docker/base-image.sh makes it without a registry).
export MJLAB_BASE_IMAGE="${MJLAB_BASE_IMAGE:-mjlab/base:bookworm}"
# Ryuk, testcontainers' reaper, is an image on Docker Hub (testcontainers/ryuk), which cannot be
# pulled here: without this, starting any container fails with a pull error. Tests must then
# stop their containers themselves (a `with` block or a session fixture's finaliser).
export TESTCONTAINERS_RYUK_DISABLED="${TESTCONTAINERS_RYUK_DISABLED:-true}"
# These machines have /.dockerenv, so testcontainers believes it runs inside a container and
# connects to the container's bridge gateway (172.17.0.1). Make it use the published ports on
# loopback instead.
export TESTCONTAINERS_CONNECTION_MODE="${TESTCONTAINERS_CONNECTION_MODE:-docker_host}"
export TESTCONTAINERS_HOST_OVERRIDE="${TESTCONTAINERS_HOST_OVERRIDE:-127.0.0.1}"
