#!/usr/bin/env bash
# Usage: version_test.sh VERSION PROGRAM...: each PROGRAM --version prints
# exactly VERSION and exits 0, with no display (hallway-gui must answer before
# it looks for one, so packaging checks and scripts can run it headless).
set -u
want=$1; shift
status=0
for prog in "$@"; do
    got=$(env -u DISPLAY -u WAYLAND_DISPLAY "$prog" --version 2>&1)
    rc=$?
    if [ "$rc" -ne 0 ] || [ "$got" != "$want" ]; then
        echo "FAIL: $prog --version: exit $rc, printed '$got' (want '$want')"
        status=1
    else
        echo "ok: $prog --version = $got"
    fi
done
exit "$status"
