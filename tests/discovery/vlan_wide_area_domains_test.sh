#!/usr/bin/env bash
# Which wide-area domains discovery browses, with a real avahi-daemon
# (tests/support/vlan.sh): the daemon's browse domains (browse-domains= and
# resolv.conf's search line), each once whatever its spelling, never "local"
# (mDNS is browsed anyway), at most 8 with one notice about the rest; and
# again after the daemon restarts. Needs root; exits 77 (skip) otherwise.
# usage: vlan_wide_area_domains_test.sh PATH/TO/discovery_probe PATH/TO/vlan.sh
set -uo pipefail

readonly PROBE=$1 VLAN=$2
readonly NAME="wad$$"
readonly WAIT_S=15
readonly WORK=$(mktemp -d /tmp/hallway-wad-test.XXXXXX)
PID=""

log() { echo "vlan_wide_area_domains_test: $*"; }
fail() { log "FAIL: $*"; cat "$WORK/probe.log"; exit 1; }
cleanup() {
  if [[ -n "$PID" ]]; then kill -TERM "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; fi
  "$VLAN" down "$NAME" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

count() { local n; n=$(grep -c -E -- "$1" "$WORK/probe.log" 2>/dev/null); echo "${n:-0}"; }
wait_count() {  # REGEX N: at least N lines match, within WAIT_S
  local end=$((SECONDS + WAIT_S))
  until (( $(count "$1") >= $2 )); do (( SECONDS < end )) || return 1; sleep 0.1; done
}
last_domains() { grep "^domains" "$WORK/probe.log" | tail -n1; }

"$VLAN" up "$NAME" 2 --subnets 2 --wide-area d1.test >"$WORK/vlan-up.log" 2>&1
rc=$?
if (( rc == 77 )); then cat "$WORK/vlan-up.log"; exit 77; fi
(( rc == 0 )) || { cat "$WORK/vlan-up.log"; fail "vlan.sh up failed"; }

# Ten domains besides "local": d1 from browse-domains=, d2..d10 from the
# search line (one in capitals with a trailing dot). avahi reports them in an
# order of its own, so the checks below do not depend on which 8 come first.
printf 'nameserver 10.213.0.254\nsearch d10.test d9.test d8.test d7.test d6.test d5.test d4.test d3.test local D2.Test.\n' \
  >"/tmp/hallway-vlan-$NAME/h1/resolv.conf"
"$VLAN" avahi-stop "$NAME" 1 && "$VLAN" avahi-start "$NAME" 1 || fail "avahi-daemon restart"

"$VLAN" exec "$NAME" 1 "$PROBE" --nick "Host 1" --fp "$(printf '%040d' 0 | tr 0 1)" --port 4001 --seconds 120 \
  >"$WORK/probe.log" 2>&1 &
PID=$!

# 8 distinct domains, each lower case without a trailing dot.
readonly EIGHT='^domains( d([1-9]|10)\.test){8}$'
distinct_eight() {
  local line; line=$(last_domains)
  [[ "$line" =~ $EIGHT ]] && (( $(tr ' ' '\n' <<<"${line#domains }" | sort -u | wc -l) == 8 ))
}
log "1. 8 domains, once each, not local; one notice about the rest"
wait_count "$EIGHT" 1 || fail "not browsing 8 domains"
sleep 2  # whatever else the daemon reports comes now
distinct_eight || fail "domains now: $(last_domains)"
(( $(count "^domains .*local") == 0 )) || fail "local reported as a wide-area domain"
(( $(count "^domains .*[A-Z]") == 0 )) || fail "a domain not in lower case"
(( $(count "^daemon running more than 8 wide-area browse domains: not browsing d([1-9]|10)\.test ") == 1 )) \
  || fail "not one notice about the domains beyond 8"

log "2. the daemon restarts: no domain while it is away, the same 8 after, one notice again"
"$VLAN" avahi-stop "$NAME" 1 || fail "avahi-stop"
wait_count "^domains\$" 1 || fail "domains not cleared while the daemon is away"
"$VLAN" avahi-start "$NAME" 1 || fail "avahi-start"
wait_count "$EIGHT" 2 || fail "not browsing 8 domains again"
distinct_eight || fail "domains after the restart: $(last_domains)"
wait_count "^daemon running more than 8" 2 || fail "no notice after the restart"
log "passed"
