#!/bin/sh
# Make a Docker engine reachable for the worker's docker engine and its tests.
# Idempotent and quiet on success: installs Debian's docker.io when dockerd is
# missing, starts dockerd when `docker info` fails, then waits up to 60 s.
# dockerd runs without iptables and with --bridge=none (these machines cannot
# create a bridge), so containers use network_mode=host.
set -eu

LOG=${DOCKERD_LOG:-/var/log/dockerd.log}

if docker info >/dev/null 2>&1; then
    exit 0
fi

if ! command -v dockerd >/dev/null 2>&1; then
    out=$(mktemp)
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq docker.io busybox-static; } >"$out" 2>&1; then
        cat "$out" >&2
        rm -f "$out"
        exit 1
    fi
    rm -f "$out"
fi

# A stale pid file from a killed daemon stops a new one from starting.
if [ -f /var/run/docker.pid ] && ! kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then
    rm -f /var/run/docker.pid
fi

if ! [ -f /var/run/docker.pid ]; then
    nohup dockerd --iptables=false --bridge=none >>"$LOG" 2>&1 &
fi

i=0
while ! docker info >/dev/null 2>&1; do
    i=$((i + 1))
    if [ "$i" -ge 60 ]; then
        echo "dockerd did not answer within 60 s; see $LOG" >&2
        tail -n 20 "$LOG" >&2 || true
        exit 1
    fi
    sleep 1
done
