# Sourced first, with "$@", by tests that mount a small tmpfs to fill: the
# test runs again in a mount namespace of its own (nodes included), so the
# tmpfs is seen by nobody else and goes when the test ends.
if [ -z "${HALLWAY_DISK_FULL_NS:-}" ]; then
    if [ "$(id -u)" -ne 0 ] || ! unshare -m --propagation private true 2>/dev/null; then
        echo "SKIP: needs root and mount namespaces (unshare -m) to fill a tmpfs"; exit 77
    fi
    HALLWAY_DISK_FULL_NS=1 exec unshare -m --propagation private bash "$0" "$@"
fi
