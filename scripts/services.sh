#!/bin/sh
# Start every service the tests need that is not running yet: PostgreSQL,
# RabbitMQ, Redis and the Docker engine (with the test images). Idempotent.
set -eu
cd "$(dirname "$0")/.."

need_apt() {
    if ! command -v "$1" >/dev/null 2>&1; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
    fi
}

wait_for() {  # wait_for NAME COMMAND...
    name=$1
    shift
    i=0
    until "$@" >/dev/null 2>&1; do
        i=$((i + 1))
        if [ "$i" -ge 60 ]; then
            echo "$name did not come up within 60 s" >&2
            exit 1
        fi
        sleep 1
    done
}

# PostgreSQL
need_apt pg_ctlcluster postgresql
if ! pg_isready -q -h 127.0.0.1; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start
fi
wait_for PostgreSQL pg_isready -q -h 127.0.0.1

# Redis
need_apt redis-server redis-server
if ! redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then
    mkdir -p /var/lib/redis /var/log/redis
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" \
        --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log
fi
wait_for Redis redis-cli -h 127.0.0.1 ping

# RabbitMQ
need_apt rabbitmq-server rabbitmq-server
if ! rabbitmqctl -q status >/dev/null 2>&1; then
    rabbitmq-server -detached
fi
wait_for RabbitMQ rabbitmqctl -q await_startup

# Docker engine and the images the tests run
scripts/start-docker.sh
scripts/docker-images.sh
scripts/docker-python-image.sh

# Chromium, for the web UI's browser tests
if ! [ -x /usr/bin/chromium ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
