#!/usr/bin/env bash
# The event hall: 29 hosts, one node each, all started at once. Everyone lists
# everyone; then the sessions idle out (a node keeps only its ring neighbours
# and what is pending), the idle LAN stays quiet, presence holds without
# sessions, a message to a peer without a session still goes through, and a
# graceful leave reaches everyone. A full mesh (a session and a 2 s ping with
# every peer) fails the session and traffic checks.
# 29 hosts: the kernel's neighbour tables (1024 entries, shared by every
# namespace) hold about 30 hosts; this test does not raise that limit.
source "$(dirname "$0")/lib.sh"
e2e_init
readonly HOSTS=29
readonly MAX_SESSIONS=4        # 2 ring neighbours, with slack for one that is closing
# The idle window: from 68 s after the start to 113 s. avahi's browsers query at
# 1, 3, 7, 15, 31, 63, 127 s... after they start (RFC 6762 §5.2: the interval
# doubles up to an hour), each query carrying every answer known, so the first
# minute is mDNS's start-up tail; this window lies between two of them.
readonly SETTLE_S=68
readonly WINDOW_S=45
readonly MAX_PACKETS_PER_S=2   # per node, eth0 rx+tx
readonly MAX_BYTES_PER_S=300
vlan_up $HOSTS

nodes=()
for i in $(seq $HOSTS); do nodes+=("n$i"); done
t0=$(date +%s%N)
for i in $(seq $HOSTS); do spawn_node "n$i" "$i"; done
for n in "${nodes[@]}"; do wait_node "$n"; done

# online_count NAME WANT: NAME lists exactly WANT peers online.
online_count() { hw "$1" peers --json | jq -e --argjson w "$2" '[.[] | select(.online)] | length == $w' >/dev/null; }
all_list_all() {
    local n
    for n in "${nodes[@]}"; do online_count "$n" $((${#nodes[@]} - 1)) || return 1; done
}
# A peer entry without `session` counts as a session: a node that cannot say has not shown it idles.
sessions_of() { hw "$1" peers --json | jq '[.[] | select(if has("session") then .session else .online end)] | length'; }
sessions_idle() {
    local n
    for n in "${nodes[@]}"; do [ "$(sessions_of "$n")" -le $MAX_SESSIONS ] || return 1; done
}
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
# lan_total: packets and bytes (rx+tx) on eth0, summed over every host's namespace.
lan_total() {
    local n
    for n in "${nodes[@]}"; do cat "/proc/${NODE_PID[$n]}/net/dev"; done |
        awk '$1 == "eth0:" { p += $3 + $11; b += $2 + $10 } END { print p, b }'
}

# (a) every node lists every other online.
wait_for 30 "every node lists every other online" all_list_all
note "all $HOSTS nodes list each other after $(ms_since "$t0") ms"

# (b) sessions idle out; the idle LAN stays quiet.
t1=$(date +%s%N)
wait_for 40 "every node has at most $MAX_SESSIONS sessions" sessions_idle
note "sessions idled out after $(ms_since "$t1") ms"
sleep "$(awk -v s=$SETTLE_S -v e="$(ms_since "$t0")" 'BEGIN { d = s - e / 1000; print (d > 0 ? d : 0) }')"
read -r p0 b0 < <(lan_total)
sleep $WINDOW_S
read -r p1 b1 < <(lan_total)
pps=$(awk -v d=$((p1 - p0)) -v n=$HOSTS -v w=$WINDOW_S 'BEGIN { printf "%.2f", d / n / w }')
bps=$(awk -v d=$((b1 - b0)) -v n=$HOSTS -v w=$WINDOW_S 'BEGIN { printf "%.0f", d / n / w }')
note "idle LAN per node over ${WINDOW_S}s: $pps packets/s, $bps B/s"
awk -v v="$pps" -v m=$MAX_PACKETS_PER_S 'BEGIN { exit !(v < m) }' || fail "idle: $pps packets/s per node (limit $MAX_PACKETS_PER_S)"
awk -v v="$bps" -v m=$MAX_BYTES_PER_S 'BEGIN { exit !(v < m) }' || fail "idle: $bps B/s per node (limit $MAX_BYTES_PER_S)"

# (c) presence holds without sessions.
all_list_all || fail "after the idle window not every node lists every other online"

# (d) a message to a peer n1 has no session with.
to=$(hw n1 peers --json | jq -r 'first(.[] | select(.online and .session == false) | .nick) // empty')
[ -n "$to" ] || fail "n1 has a session with every peer: $(hw n1 peers --json | jq -c 'map({nick, session})')"
hw n1 send "$to" "hello from across the hall" --timeout 10 || fail "n1 -> $to (no session) not delivered"
[ "$(count_in "$to" n1 'hello from across the hall')" = 1 ] || fail "$to did not store n1's message once"

# (e) a graceful leave reaches everyone, with or without a session to it.
leaver=n$HOSTS
[ "$to" != "$leaver" ] || leaver=n$((HOSTS - 1))
all_see_gone() {
    local n
    for n in "${nodes[@]}"; do [ "$n" = "$1" ] || offline_in "$n" "$1" || return 1; done
}
kill -TERM "${NODE_PID[$leaver]}"
wait_for 5 "every node sees $leaver leave" all_see_gone "$leaver"
echo "hall test passed"
