#!/usr/bin/env bash
# Issue 15, "Integrity": a link that flips one bit in the TCP payload of about
# 1 frame in 2000 and fixes the TCP checksum up (tests/support/impaired_link),
# so the kernel passes the damage on. Noise must catch every one (the session
# fails to decrypt and is dialed again) and the transfer resume: a 48 MiB file
# arrives byte for byte (never done with other bytes), and chat still works.
source "$(dirname "$0")/files_lib.sh"
e2e_init
vlan_up 2

impaired_link_up 0 0 120 0.0005
node_up alice 1 --no-mdns --port 47044 --peer 10.214.0.2:47045
node_up bob 2 --no-mdns --port 47045 --peer 10.214.0.1:47044
wait_for 20 "alice knows bob speaks files" speaks_files alice bob

big="$E2E_DIR/big.bin"
random_file "$big" 48
offer "$big" "$E2E_DIR/in"
finish "$big" "$E2E_DIR/in" 50
damaged=$(grep -c corrupted "$E2E_DIR/link.log" || true)
note "$damaged frames corrupted on the way"
[ "$damaged" -ge 3 ] || fail "the link corrupted only $damaged frames: the test proves nothing"
# The damage got past TCP: no segment was dropped for a bad checksum, so Noise
# (and the chunk hashes behind it) had to catch every flipped bit.
for h in 1 2; do
    csum=$(on_host $h awk '/^Tcp:/ { if (!n++) for (i = 1; i <= NF; i++) col[$i] = i; else print $col["InCsumErrors"] }' /proc/net/snmp)
    [ "$csum" = 0 ] || fail "host $h dropped $csum TCP segments for their checksum: the tool's fix-up is wrong"
done
hw alice send bob "hi after the damage" --timeout 10 >/dev/null || fail "chat alice -> bob after the transfer"
hw bob send alice "hi back" --timeout 10 >/dev/null || fail "chat bob -> alice after the transfer"
echo "files corrupt link test passed"
