#!/bin/sh
# Build waterwheel-test/python:1, a Debian bookworm root filesystem with
# python3 (debootstrap, about a minute), imported with `docker import`: the
# base the Airflow tests put the compat runner and their DAG files on.
# Idempotent and quiet on success. Needs a running Docker engine.
set -eu

IMAGE=waterwheel-test/python:1

if docker image inspect "$IMAGE" >/dev/null 2>&1; then
    exit 0
fi
if ! command -v debootstrap >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
fi

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
out=$(mktemp)
if ! debootstrap --variant=minbase --include=python3 bookworm "$root" \
    http://deb.debian.org/debian >"$out" 2>&1; then
    cat "$out" >&2
    rm -f "$out"
    exit 1
fi
rm -f "$out"
tar -C "$root" -c . | docker import \
    --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' \
    --change 'CMD ["python3"]' \
    - "$IMAGE" >/dev/null
