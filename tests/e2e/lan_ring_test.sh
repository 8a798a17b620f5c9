#!/usr/bin/env bash
# The presence ring (docs/PROTOCOL.md §6.4) on 7 hosts. Once the start-up
# sessions idle out, each node keeps sessions only with its ring neighbours,
# yet: a peer killed with -9 (no goodbye, its mDNS record stays cached for
# an hour) is shown gone by every node, with or without a session to it,
# through its watcher's gone message; a frozen peer whose conversation is in
# the foreground is shown gone by that node within the fast dead-peer time;
# and a text to a peer without a session opens one and is delivered.
source "$(dirname "$0")/lib.sh"
e2e_init
readonly HOSTS=7
vlan_up $HOSTS
nodes=()
for i in $(seq $HOSTS); do nodes+=("r$i"); spawn_node "r$i" "$i"; done
for n in "${nodes[@]}"; do wait_node "$n"; done

online_count() { hw "$1" peers --json | jq -e --argjson w "$2" '[.[] | select(.online)] | length == $w' >/dev/null; }
sessions_of() { hw "$1" peers --json | jq '[.[] | select(.session)] | length'; }
all_list() {
    local n
    for n in "$@"; do online_count "$n" $((HOSTS - 1)) || return 1; done
}
ring_only() {
    local n
    for n in "${nodes[@]}"; do [ "$(sessions_of "$n")" -le 2 ] || return 1; done
}
wait_for 30 "every node lists every other" all_list "${nodes[@]}"
wait_for 40 "the start-up sessions idle out (at most the 2 ring links each)" ring_only
all_list "${nodes[@]}" || fail "presence did not hold without sessions: $(hw r1 peers --json | jq -c 'map({nick, online, session})')"

# A victim that r1 has no session with, and the nodes that have none with it either.
victim=$(hw r1 peers --json | jq -r 'first(.[] | select(.session == false) | .nick)')
[ -n "$victim" ] && [ "$victim" != null ] || fail "r1 has a session with everyone"
without=()
for n in "${nodes[@]}"; do
    [ "$n" = "$victim" ] && continue
    hw "$n" peers --json | jq -e --arg v "$victim" 'any(.[]; .nick == $v and (.session | not))' >/dev/null && without+=("$n")
done
note "killing $victim; ${#without[@]} nodes have no session with it: ${without[*]}"
kill9_node "$victim"
gone_everywhere() {
    local n
    for n in "${nodes[@]}"; do [ "$n" = "$victim" ] || offline_in "$n" "$victim" || return 1; done
}
t0=$(date +%s%N)
wait_for 20 "every node shows $victim gone" gone_everywhere
note "$victim shown gone everywhere after $(( ($(date +%s%N) - t0) / 1000000 )) ms"

# A text to a live peer without a session: a session opens at once.
survivors=()
for n in "${nodes[@]}"; do [ "$n" = "$victim" ] || survivors+=("$n"); done
from=${survivors[0]}
to=$(hw "$from" peers --json | jq -r 'first(.[] | select(.online and .session == false) | .nick) // empty')
[ -n "$to" ] || fail "$from has a session with every live peer"
hw "$from" send "$to" "across the ring" --timeout 10 || fail "$from -> $to (no session) not delivered"

# The conversation in the foreground: a frozen peer shows within the fast dead-peer time.
watcher=${survivors[1]}
frozen=$(hw "$watcher" peers --json | jq -r 'first(.[] | select(.online and .session == false) | .nick) // empty')
[ -n "$frozen" ] || frozen=${survivors[2]}
hold_focus "$watcher" "$frozen"
session_with() { hw "$1" peers --json | jq -e --arg p "$2" 'any(.[]; .nick == $p and .session)' >/dev/null; }
wait_for 5 "$watcher opens a session to $frozen" session_with "$watcher" "$frozen"
kill -STOP "${NODE_PID[$frozen]}"
t0=$(date +%s%N)
wait_for 9 "$watcher shows the frozen $frozen gone" offline_in "$watcher" "$frozen"
note "frozen $frozen shown gone by $watcher (conversation open) after $(( ($(date +%s%N) - t0) / 1000000 )) ms"
kill -CONT "${NODE_PID[$frozen]}"
echo "ring test passed"
