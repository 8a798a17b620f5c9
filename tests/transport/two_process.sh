#!/bin/sh
# Two processes over loopback: the dialer sends N texts, the listener acks each.
# Usage: two_process.sh PATH/TO/transport_peer HOST N
set -eu
peer=$1 host=$2 n=$3
dir=$(mktemp -d)
"$peer" listen "$n" >"$dir/port" &
listener=$!
trap 'kill "$listener" 2>/dev/null || true; rm -rf "$dir"' EXIT
i=0
while [ ! -s "$dir/port" ]; do
  i=$((i + 1))
  [ "$i" -le 100 ] || { echo "listener did not start" >&2; exit 1; }
  sleep 0.1
done
"$peer" dial "$host" "$(head -n 1 "$dir/port")" "$n"
wait "$listener"
