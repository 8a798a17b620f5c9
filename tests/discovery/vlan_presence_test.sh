#!/usr/bin/env bash
# Link-local XMPP discovery (XEP-0174, Discovery::set_link_local) against real
# libpurple Bonjour clients (tests/support/purple_peer) on a virtual LAN of
# real avahi-daemons: each side lists the other with its TXT, presence (TXT)
# changes cross both ways, a libpurple on the probe's own host (same daemon)
# is seen, a withdraw signs the probe off, a daemon restart publishes again,
# a quit purple is lost, and a name taken on the same host is renamed. Needs root and purple_peer; exits 77 otherwise.
# usage: PURPLE_PEER=PATH vlan_presence_test.sh PATH/TO/discovery_probe PATH/TO/vlan.sh
set -uo pipefail

readonly PROBE=$1 VLAN=$2
readonly NAME="pres$$"         # unique per run: parallel ctest runs do not clash
readonly WAIT_S=20             # upper bound for any expected event
readonly WORK=$(mktemp -d /tmp/hallway-presence-test.XXXXXX)
declare -A PIDS=() FDS=()

log() { echo "vlan_presence_test: $*"; }
fail() {
  log "FAIL: $*"
  local f; for f in "$WORK"/*.log "$WORK"/*.out; do [ -f "$f" ] && { echo "== $f"; cat "$f"; }; done
  exit 1
}

if [ "$(id -u)" -ne 0 ]; then echo "SKIP: needs root (network namespaces for the virtual LAN)"; exit 77; fi
if [ -z "${PURPLE_PEER:-}" ] || [ ! -x "$PURPLE_PEER" ]; then
  echo "SKIP: purple_peer was not built (needs libpurple-dev: scripts/deps.sh test)"; exit 77
fi
command -v jq >/dev/null || { echo "SKIP: needs jq"; exit 77; }

stop_pid() {  # PID: TERM, bounded wait, KILL; only processes this test started
  kill -TERM "$1" 2>/dev/null || return 0
  local end=$((SECONDS + 10))
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

# wait_for WHAT CMD...: until CMD succeeds, at most WAIT_S seconds.
wait_for() {
  local what=$1 end=$((SECONDS + WAIT_S)); shift
  until "$@"; do
    (( SECONDS < end )) || fail "timed out: $what"
    sleep 0.1
  done
}
has_line() { grep -q -E -- "$2" "$WORK/$1.log"; }
count() { grep -c -E -- "$2" "$WORK/$1.log" 2>/dev/null || true; }
at_least() { (( $(count "$1" "$2") >= $3 )); }  # NAME REGEX N: N lines of NAME.log match
# seen NAME JQ-FILTER: purple_peer NAME emitted an event matching the filter.
seen() { [ -n "$(jq -c "select($2)" "$WORK/$1.out" 2>/dev/null)" ]; }
# tell NAME LINE: a command on NAME's stdin (a FIFO held open here).
tell() { printf '%s\n' "$2" >&"${FDS[$1]}"; }
open_fifo() { mkfifo "$WORK/$1.in"; local fd; exec {fd}<>"$WORK/$1.in"; FDS[$1]=$fd; }

start_purple() {  # NAME HOST
  open_fifo "$1"
  mkdir -p "$WORK/$1.purple"
  "$VLAN" exec "$NAME" "$2" "$PURPLE_PEER" --dir "$WORK/$1.purple" --name "$1" \
    <"$WORK/$1.in" >"$WORK/$1.out" 2>"$WORK/$1.err" &
  PIDS[$1]=$!
}

readonly TXT_AVAIL='txtvers=1|port.p2pj=5298|status=avail|msg=hello there|nick=Probe'
start_probe() {  # NAME HOST USER
  open_fifo "$1"
  local args=() t
  IFS='|' read -r -a t <<<"$TXT_AVAIL"
  for s in "${t[@]}"; do args+=(--ll-txt "$s"); done
  "$VLAN" exec "$NAME" "$2" "$PROBE" --ll-user "$3" --ll-port 5298 "${args[@]}" --stdin yes --seconds 300 \
    <"$WORK/$1.in" >"$WORK/$1.log" 2>&1 &
  PIDS[$1]=$!
}

"$VLAN" up "$NAME" 2 >"$WORK/vlan-up.log" 2>&1
rc=$?
if (( rc == 77 )); then cat "$WORK/vlan-up.log"; exit 77; fi
(( rc == 0 )) || fail "vlan.sh up failed"

log "1. the probe (h1) and libpurple (alice on h2, carol on h1: same avahi-daemon) see each other"
start_purple alice 2
start_purple carol 1
start_probe probe 1 hallway
wait_for "the probe is published as hallway@h1" has_line probe '^link_local_published hallway@h1$'
wait_for "the probe sees alice with her TXT" \
  has_line probe '^link_local alice@h2 endpoints=10\.213\.0\.2:[0-9]+.* interfaces=eth0 txt .*"status=avail"'
wait_for "the probe sees carol (its own host)" has_line probe '^link_local carol@h1 endpoints=10\.213\.0\.1:[0-9]+'
wait_for "alice lists the probe" seen alice '.event == "signed_on" and .buddy == "hallway@h1"'
wait_for "carol lists the probe" seen carol '.event == "signed_on" and .buddy == "hallway@h1"'
(( $(count probe '^link_local hallway@') == 0 )) || fail "the probe reported itself"
grep -E '^link_local alice@h2 ' "$WORK/probe.log" | head -n1 | grep -q '"nick\|"txtvers=1"' ||
  fail "alice's TXT strings are not reported raw"

log "2. the probe goes Away (TXT in place: status=dnd is libpurple's Away); alice sees it"
tell probe 'txt txtvers=1|port.p2pj=5298|status=dnd|msg=gone fishing|nick=Probe'
wait_for "alice sees the probe away with its message" \
  seen alice '.event == "status" and .buddy == "hallway@h1" and .status == "away" and .message == "gone fishing"'
tell probe "txt $TXT_AVAIL"
wait_for "alice sees the probe available again" \
  seen alice '.event == "status" and .buddy == "hallway@h1" and .status == "available" and .message == "hello there"'
(( $(count probe '^link_local_published ') == 1 )) || fail "a TXT change re-registered the service"
seen alice '.event == "signed_off" and .buddy == "hallway@h1"' && fail "a TXT change signed the probe off"

log "3. alice goes Away; the probe gets her new TXT"
tell alice 'status away out to lunch'
alice_away() { grep -E '^link_local alice@h2 ' "$WORK/probe.log" | grep -F '"status=dnd"' | grep -q -F '"msg=out to lunch"'; }
wait_for "the probe sees alice's status=dnd and msg" alice_away

log "4. withdraw: alice and carol see the probe sign off; no loss is reported for them"
tell probe withdraw
wait_for "alice sees the probe sign off" seen alice '.event == "signed_off" and .buddy == "hallway@h1"'
wait_for "carol sees the probe sign off" seen carol '.event == "signed_off" and .buddy == "hallway@h1"'
(( $(count probe '^link_local_lost ') == 0 )) || fail "withdraw reported losses"

log "5. published again; then h1's avahi-daemon restarts and it is published again"
tell probe "txt $TXT_AVAIL"
wait_for "published again after withdraw" at_least probe '^link_local_published hallway@h1$' 2
signed_on_twice() { (( $(jq -c 'select(.event == "signed_on" and .buddy == "hallway@h1")' "$WORK/alice.out" | wc -l) >= 2 )); }
wait_for "alice lists the probe again" signed_on_twice
"$VLAN" avahi-stop "$NAME" 1 || fail "avahi-stop failed"
wait_for "the probe loses alice with its daemon" has_line probe '^link_local_lost alice@h2$'
alice_before=$(count probe '^link_local alice@h2 ')
"$VLAN" avahi-start "$NAME" 1 || fail "avahi-start failed"
wait_for "published after the daemon restart" at_least probe '^link_local_published hallway@h1$' 3
wait_for "the probe sees alice again" at_least probe '^link_local alice@h2 ' "$((alice_before + 1))"

log "6. alice quits: the probe reports her lost"
lost_before=$(count probe '^link_local_lost alice@h2$')
tell alice quit
wait_for "the probe loses alice" at_least probe '^link_local_lost alice@h2$' "$((lost_before + 1))"
kill -0 "${PIDS[carol]}" || fail "carol's purple_peer died"

log "7. a name collision on the same host (dave's libpurple on h1 holds dave@h1): renamed, both seen"
# (A fresh libpurple: carol's stays unpublished after step 5's daemon restart; libpurple does not re-register.)
start_purple dave 1
wait_for "the probe sees dave" has_line probe '^link_local dave@h1 endpoints='
start_probe twin 1 dave
wait_for "the twin is renamed and says so" has_line twin '^link_local_published dave@h1 #2$'
wait_for "the twin sees libpurple's dave@h1" has_line twin '^link_local dave@h1 endpoints='
wait_for "the first probe sees the renamed twin" has_line probe '^link_local dave@h1 #2 endpoints='
(( $(count twin '^link_local dave@h1 #2 ') == 0 )) || fail "the twin reported itself after the rename"

kill -TERM "${PIDS[probe]}"
wait_for "the probe exits" has_line probe '^exit$'
wait "${PIDS[probe]}"; rc=$?
unset 'PIDS[probe]'
(( rc == 0 )) || fail "the probe exited with $rc"
log "PASS"
