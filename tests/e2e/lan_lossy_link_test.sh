#!/usr/bin/env bash
# A bad link: 20% packet loss and 200 ms delay each way (an impaired TAP link
# between two hosts: tests/support/impaired_link, since this kernel may lack
# netem). 500 messages, all delivered exactly once, in order.
source "$(dirname "$0")/lib.sh"
e2e_init
vlan_up 2
N=500

impaired_link_up 200 0.2 280
start_node alice 1 --no-mdns --port 47020
start_node bob 2 --no-mdns --peer 10.214.0.1:47020
wait_for 30 "alice lists bob over the bad link" online_in alice bob

for i in $(seq 1 $N); do hw alice send bob "lossy $i" --timeout 0 >/dev/null; done
wait_for 200 "bob has all $N" bash -c \
    "[ \"\$(\"$HALLWAY\" --profile $E2E_DIR/bob history alice --json | jq length)\" = $N ]"
hw bob history alice --json | jq -e --argjson n $N '[.[].body] == [range(1; $n + 1) | "lossy \(.)"]' >/dev/null \
    || fail "lost, duplicated or reordered"
all_delivered() {
    "$HALLWAY" --profile "$E2E_DIR/alice" history bob --json | jq -e --argjson n $N 'length == $n and all(.state == "delivered")'
}
end=$((SECONDS + 60))
until all_delivered >/dev/null 2>&1; do
    if (( SECONDS >= end )); then
        # What each side believed when it stalled (sessions, presence), for the log.
        echo "alice: $(hw alice peers --json | jq -c 'map({nick, online, session})')"
        echo "bob: $(hw bob peers --json | jq -c 'map({nick, online, session})')"
        echo "alice's undelivered: $(hw alice history bob --json | jq -c '[.[] | select(.state != "delivered") | .body]')"
        fail "timed out after 60s waiting until alice sees every message delivered"
    fi
    sleep 0.05
done
echo "lossy link test passed"
