#!/bin/sh
# Build the images the tests run, without a registry (none is reachable here):
# waterwheel-test/busybox:1 is a root filesystem made of the host's static
# busybox plus one symlink per applet, turned into an image by `docker import`.
# Its entrypoint behaves like the official bash image's, with sh: args that
# start with a command run as they are, other args (`-c '...'`) go to sh, so
# the sample jobs' `args: ["-c", "..."]` run on it.
# Idempotent and quiet on success: an image that exists is left alone.
# Needs a running Docker engine (scripts/start-docker.sh).
set -eu

IMAGE=waterwheel-test/busybox:1

if docker image inspect "$IMAGE" >/dev/null 2>&1; then
    exit 0
fi

BUSYBOX=/bin/busybox
# The image must not depend on the host's libc: only a static busybox will do.
if ! [ -x "$BUSYBOX" ] || ldd "$BUSYBOX" >/dev/null 2>&1; then
    out=$(mktemp)
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq busybox-static; } >"$out" 2>&1; then
        cat "$out" >&2
        rm -f "$out"
        exit 1
    fi
    rm -f "$out"
fi

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin" "$root/etc" "$root/tmp" "$root/root" "$root/proc" "$root/sys" "$root/dev"
chmod 1777 "$root/tmp"
cp "$BUSYBOX" "$root/bin/busybox"
for applet in $("$BUSYBOX" --list); do
    [ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
done
echo 'root:x:0:0:root:/root:/bin/sh' >"$root/etc/passwd"
echo 'root:x:0:' >"$root/etc/group"
cat >"$root/bin/entrypoint" <<'SCRIPT'
#!/bin/sh
if [ "${1#-}" != "$1" ] || [ -z "$(command -v "$1")" ]; then
    set -- sh "$@"
fi
exec "$@"
SCRIPT
chmod 755 "$root/bin/entrypoint"

tar -C "$root" -c . | docker import \
    --change 'ENV PATH=/bin' \
    --change 'ENTRYPOINT ["/bin/entrypoint"]' \
    --change 'CMD ["sh"]' \
    - "$IMAGE" >/dev/null
