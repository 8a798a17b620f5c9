#!/usr/bin/env bash
# Two subnets, no mDNS between them (no reflector): each node is found in a
# wide-area DNS-SD domain instead. The records come from `hallway
# dns-sd-records --format dnsmasq`, served by dnsmasq in the router; every
# host's avahi-daemon browses the domain (browse-domains=, resolv.conf search).
# Both nodes list each other and a message is delivered both ways.
source "$(dirname "$0")/lib.sh"
e2e_init
DOMAIN=hallway-wide.test
vlan_up_routed 2 1 --wide-area "$DOMAIN"
[ "$(host_addr 1)" = 10.213.0.1 ] && [ "$(host_addr 2)" = 10.214.0.2 ] || fail "hosts not on two subnets"

# Without the records the subnets do not see each other (nothing crosses the router).
start_node alice 1 --port 7401
start_node bob 2 --port 7402
never_for 4 "alice saw bob without DNS-SD records" online_in alice bob

# The records, as an administrator makes them; an instance name with spaces
# (dnsmasq says it as is). dnsmasq's own TTL for them is 0: give them one.
conf="$E2E_DIR/dnsmasq.conf"
{
    echo "local-ttl=5"
    hw alice dns-sd-records "$DOMAIN" --host alice-pc --address "$(host_addr 1)" --port 7401 \
        --instance "Alice at desk 1" --format dnsmasq
    hw bob dns-sd-records "$DOMAIN" --host bob-pc --address "$(host_addr 2)" --port 7402 --format dnsmasq
} >"$conf" || fail "dns-sd-records"
grep -q "^srv-host=Alice at desk 1._hallway._tcp.$DOMAIN,alice-pc.$DOMAIN,7401,0,0$" "$conf" || fail "records: $(cat "$conf")"
# A port is required: the profile has no fixed one.
hw alice dns-sd-records "$DOMAIN" >/dev/null 2>&1 && fail "dns-sd-records without --port succeeded"
dns_up "$conf"

# Found within one refresh of the wide-area browser (60 s) after the records appear.
t0=$(date +%s)
wait_for 90 "alice lists bob" online_in alice bob
wait_for 90 "bob lists alice" online_in bob alice
note "found each other by wide-area DNS-SD after $(( $(date +%s) - t0 )) s"
# Each found the other's record itself: a node adds an address to a peer when
# it dialed it or checked its announcement there, never for an inbound session.
at_address() { hw "$1" peers --json | jq -e --arg n "$2" --arg a "$3" 'any(.[]; .nick == $n and (.addresses | index($a)))' >/dev/null; }
wait_for 10 "alice has bob at his published address" at_address alice bob "$(host_addr 2):7402"
wait_for 10 "bob has alice at her published address" at_address bob alice "$(host_addr 1):7401"
# And each says how: by the wide-area domain, not by mDNS.
found_as() { found_by "$1" "$2" | jq -e --arg f "$3" 'index($f)' >/dev/null; }
found_as alice bob "wide-area $DOMAIN" || fail "alice's bob: $(hw alice peers --json)"
found_as bob alice "wide-area $DOMAIN" || fail "bob's alice: $(hw bob peers --json)"
hw alice peers --json | jq -e 'all(.[]; all(.found_by[]; startswith("mdns") | not))' >/dev/null \
    || fail "found by mDNS across the router: $(hw alice peers --json)"
hw alice send bob "across the router, from alice" --timeout 10 || fail "alice -> bob"
hw bob send alice "and back, from bob" --timeout 10 || fail "bob -> alice"
[ "$(count_in bob alice 'across the router, from alice')" = 1 ] || fail "bob did not store alice's message once"
[ "$(count_in alice bob 'and back, from bob')" = 1 ] || fail "alice did not store bob's message once"

# hallway doctor says so too.
report=$(hw alice doctor --json || true)  # exit 1 on any problem (nss-mdns missing, say): not ours to judge
jq -e --arg d "$DOMAIN" 'any(.[]; .check == "wide-area DNS-SD" and .verdict == "ok" and (.detail | contains($d)))' \
    <<<"$report" >/dev/null || fail "doctor does not report the domain: $(jq -c '.[] | select(.check == "wide-area DNS-SD")' <<<"$report")"

# A node started after the records were published finds its peer at once
# (its first browse), and over the other subnet's address.
kill -TERM "${NODE_PID[alice]}"; wait "${NODE_PID[alice]}" 2>/dev/null || true
t0=$(date +%s%N)
start_node alice 1 --port 7401
wait_for 20 "restarted alice has bob at his published address" at_address alice bob "$(host_addr 2):7402"
note "a node started with the records in place found its peer after $(( ($(date +%s%N) - t0) / 1000000 )) ms"
echo "wide-area test passed"
