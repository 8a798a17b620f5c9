#!/usr/bin/env bash
# Issue 15, "Resume" after a link cut: the cable is cut (both hosts' links
# down) for 8 s in the middle of a 192 MiB transfer; meanwhile the receiver
# shows it not done, and once the link is back it completes byte for byte,
# from what the receiver held.
source "$(dirname "$0")/files_lib.sh"
e2e_init
vlan_up 2
MIB=$((1024 * 1024))
a_addr=$(host_addr 1) b_addr=$(host_addr 2)
node_up alice 1 --no-mdns --port 47042 --peer "$b_addr:47043"
node_up bob 2 --no-mdns --port 47043 --peer "$a_addr:47042"
wait_for 10 "alice knows bob speaks files" speaks_files alice bob

big="$E2E_DIR/big.bin"
random_file "$big" 192
offer "$big" "$E2E_DIR/in"
wait_for 30 "bob has verified 48 MiB" bytes_over bob in $((48 * MIB))
for h in 1 2; do on_host $h ip link set eth0 down; done
held=$(xfer bob in bytes)
for _ in $(seq 8); do
    sleep 1
    [ "$(xfer bob in state)" != "done" ] || fail "bob shows the transfer done while the link is down"
done
stalled=$(xfer bob in bytes)
note "bob held $held bytes at the cut, $stalled after 8 s without a link"
[ "$stalled" -lt $((192 * MIB)) ] || fail "bob holds the whole file though the link is down"
for h in 1 2; do on_host $h ip link set eth0 up; done
finish "$big" "$E2E_DIR/in" 45
echo "files link cut test passed"
