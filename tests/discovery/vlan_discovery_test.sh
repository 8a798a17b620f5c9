#!/usr/bin/env bash
# Discovery between real avahi-daemons on a 3-host virtual LAN (tests/support/vlan.sh):
# peers find each other (never themselves), a withdrawn peer is lost, a host
# whose avahi-daemon restarts publishes again, and a probe with no daemon says
# so once and keeps running. Needs root; exits 77 (skip) otherwise.
# usage: vlan_discovery_test.sh PATH/TO/discovery_probe PATH/TO/vlan.sh
set -uo pipefail

readonly PROBE=$1 VLAN=$2
readonly NAME="disc$$"          # unique per run: parallel ctest runs do not clash
readonly WAIT_S=10              # upper bound for any expected event
readonly PROBE_SECONDS=120      # probes outlive the test; we stop them
readonly WORK=$(mktemp -d /tmp/hallway-disc-test.XXXXXX)
declare -A PIDS=()

log() { echo "vlan_discovery_test: $*"; }
fail() {
  log "FAIL: $*"
  local f; for f in "$WORK"/*.log; do echo "== $f"; cat "$f"; done
  exit 1
}

stop_pid() {  # PID: TERM, bounded wait, KILL; only processes this test started
  kill -TERM "$1" 2>/dev/null || return 0
  local end=$((SECONDS + WAIT_S))
  while kill -0 "$1" 2>/dev/null && (( SECONDS < end )); do sleep 0.05; done
  kill -KILL "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

cleanup() {
  local p; for p in "${PIDS[@]}"; do stop_pid "$p"; done
  "$VLAN" down "$NAME" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

fp() { printf "%040d" 0 | tr 0 "$1"; }  # host i's fingerprint: digit i, 40 times

count() { grep -c -E -- "$2" "$1" 2>/dev/null || true; }

# Waits (bounded) until FILE has at least N lines matching REGEX.
wait_count() {
  local file=$1 regex=$2 n=$3 end=$((SECONDS + WAIT_S))
  until (( $(count "$file" "$regex") >= n )); do
    (( SECONDS < end )) || return 1
    sleep 0.05
  done
}
wait_line() { wait_count "$1" "$2" 1; }

start_probe() {  # HOST [SECONDS [extra env assignment]]
  local i=$1
  "$VLAN" exec "$NAME" "$i" ${3:+env "$3"} "$PROBE" --nick "${PROBE_NICK:-Host $i}" --fp "$(fp "$i")" \
    --port $((4000 + i)) --seconds "${2:-$PROBE_SECONDS}" >"$WORK/p$i.log" 2>&1 &
  PIDS[$i]=$!
}

# SIGTERM a probe and require a clean exit (status 0: also no sanitizer report).
stop_probe_checked() {
  local i=$1 pid=${PIDS[$1]} rc
  kill -TERM "$pid"
  wait_line "$WORK/p$i.log" "^exit$" || fail "probe $i did not exit on SIGTERM"
  wait "$pid"; rc=$?
  unset "PIDS[$i]"
  (( rc == 0 )) || fail "probe $i exited with $rc"
}

"$VLAN" up "$NAME" 3 >"$WORK/vlan-up.log" 2>&1
rc=$?
if (( rc == 77 )); then cat "$WORK/vlan-up.log"; exit 77; fi
(( rc == 0 )) || fail "vlan.sh up failed"

# Our daemons are in our hosts' namespaces, and no avahi-daemon at all (ours
# or another test's) is in the root namespace. Processes may vanish meanwhile.
root_net=$(readlink /proc/self/ns/net)
for i in 1 2 3; do
  read -r pid _ < "/tmp/hallway-vlan-$NAME/h$i/avahi.pid" || fail "no avahi pid for host $i"
  [[ "$(ip netns identify "$pid")" == "$NAME-h$i" ]] || fail "avahi-daemon $pid is not in $NAME-h$i"
done
for pid in $(pgrep -x avahi-daemon); do
  net=$(readlink "/proc/$pid/ns/net" 2>/dev/null) || continue
  [[ "$net" != "$root_net" ]] || fail "avahi-daemon $pid runs in the root network namespace"
done

log "1. hosts 1 and 2 find each other, never themselves"
start_probe 1
start_probe 2
wait_line "$WORK/p1.log" "^found $(fp 2) Host 2 " || fail "host 1 did not find host 2"
wait_line "$WORK/p2.log" "^found $(fp 1) Host 1 " || fail "host 2 did not find host 1"

log "2. a newly published host 3 is found by both"
t0=$(date +%s%N)
start_probe 3
wait_line "$WORK/p1.log" "^found $(fp 3) " || fail "host 1 did not find host 3"
wait_line "$WORK/p2.log" "^found $(fp 3) " || fail "host 2 did not find host 3"
log "info: host 3 found by hosts 1 and 2 after $(( ($(date +%s%N) - t0) / 1000000 )) ms (incl. probe start)"
wait_line "$WORK/p3.log" "^found $(fp 1) " || fail "host 3 did not find host 1"
wait_line "$WORK/p3.log" "^found $(fp 2) " || fail "host 3 did not find host 2"
for i in 1 2 3; do
  (( $(count "$WORK/p$i.log" "^found $(fp "$i") ") == 0 )) || fail "host $i reported itself"
  # One instance name is resolved once, over whichever mDNS family announced it
  # first (the other only if that one goes away or fails: each resolve makes
  # avahi-daemon query), unless that gave a link-local IPv6 address (no use
  # on another subnet): then the IPv4 twin too. Either way one IPv4 endpoint.
  other=$(( i % 3 + 1 ))
  wait_line "$WORK/p$i.log" "^found $(fp "$other") Host $other 10\.213\.0\.$other:$((4000 + other))$" \
    || fail "host $i has no IPv4 endpoint for host $other"
  (( $(count "$WORK/p$i.log" "^found $(fp "$other") ") <= 2 )) || fail "host $i resolved host $other more than twice"
  (( $(count "$WORK/p$i.log" "^found $(fp "$other") ") == 1 )) ||
    (( $(count "$WORK/p$i.log" "^found $(fp "$other") Host $other \[fe80::[0-9a-f:]+%eth0\]:$((4000 + other))$") == 1 )) ||
    fail "host $i resolved host $other twice, the first time not over link-local IPv6"
done

log "3. SIGTERM withdraws host 3; the others report it lost"
stop_probe_checked 3
wait_line "$WORK/p1.log" "^lost $(fp 3)$" || fail "host 1 did not lose host 3"
wait_line "$WORK/p2.log" "^lost $(fp 3)$" || fail "host 2 did not lose host 3"

log "3b. a name collision renames one of the two (\"Host 1 #2\"); peers tell them apart by fingerprint"
# mDNS decides which one yields (the established host 1 may lose to the newcomer).
PROBE_NICK="Host 1" start_probe 3
renamed() { grep -q '^daemon running published as "Host 1 #2"$' "$WORK/p1.log" "$WORK/p3.log"; }
wait_for_renamed() {
  local end=$((SECONDS + WAIT_S))
  until renamed; do (( SECONDS < end )) || return 1; sleep 0.05; done
}
wait_for_renamed || fail "nobody was renamed after the collision"
wait_line "$WORK/p1.log" "^found $(fp 3) Host 1 " || fail "host 1 did not find its namesake"
wait_line "$WORK/p3.log" "^found $(fp 1) Host 1 " || fail "host 3 did not find its namesake"
wait_line "$WORK/p2.log" "^found $(fp 3) Host 1 " || fail "host 2 did not find host 3 under its new nick"
for i in 1 3; do
  (( $(count "$WORK/p$i.log" "^found $(fp "$i") ") == 0 )) || fail "host $i took its namesake for itself"
done
stop_probe_checked 3

log "4. avahi-daemon on host 2 restarts; host 2 publishes again and is found again"
found_before=$(count "$WORK/p1.log" "^found $(fp 2) ")
found1_before=$(count "$WORK/p2.log" "^found $(fp 1) ")
"$VLAN" avahi-stop "$NAME" 2 || fail "avahi-stop failed"
wait_line "$WORK/p2.log" "^daemon missing avahi-daemon is not running" || fail "host 2 did not report the daemon missing"
wait_line "$WORK/p2.log" "^lost $(fp 1)$" || fail "host 2 kept host 1 although its daemon is gone"
wait_line "$WORK/p1.log" "^lost $(fp 2)$" || fail "host 1 did not see host 2's goodbye"
"$VLAN" avahi-start "$NAME" 2 || fail "avahi-start failed"
wait_count "$WORK/p2.log" "^daemon running published as \"Host 2\"$" 2 || fail "host 2 did not publish again"
wait_count "$WORK/p1.log" "^found $(fp 2) " $((found_before + 1)) || fail "host 1 did not find host 2 again"
wait_count "$WORK/p2.log" "^found $(fp 1) " $((found1_before + 1)) || fail "host 2 did not find host 1 again"

log "5. without any reachable daemon the probe says so once and keeps running"
# It lives 7 s, which spans two of its reconnect attempts (every 3 s), then exits by itself.
start_probe 3 7 "DBUS_SYSTEM_BUS_ADDRESS=unix:path=$WORK/no-such-bus.sock"
wait_line "$WORK/p3.log" "^daemon missing avahi-daemon is not running: peers are not discovered automatically; use --peer HOST:PORT$" \
  || fail "no 'missing' report without a daemon"
kill -0 "${PIDS[3]}" 2>/dev/null || fail "probe without daemon died"
wait_line "$WORK/p3.log" "^exit$" || fail "probe without daemon did not run to its deadline"
wait "${PIDS[3]}"; rc=$?
unset 'PIDS[3]'
(( rc == 0 )) || fail "probe without daemon exited with $rc"
(( $(count "$WORK/p3.log" "^daemon missing ") == 1 )) || fail "'missing' reported more than once"

stop_probe_checked 1
stop_probe_checked 2
log "PASS"
