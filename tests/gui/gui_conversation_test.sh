#!/usr/bin/env bash
# The conversation features in the window, on loopback: a hallway-gui under
# Xvfb, on a private D-Bus session bus, and a `hallway daemon` peer driven
# from the command line. Read receipts and the typing notice both ways, a
# search that jumps to the message, a desktop notification recorded by a fake
# notification server (and its click opening the conversation). A screenshot
# per step lands in $GUI_SHOT_DIR. Skips (77) without Xvfb, xdotool, jq or
# dbus-daemon.
source "$(dirname "$0")/../e2e/lib.sh"
source "$(dirname "$0")/gui_lib.sh"
command -v dbus-daemon >/dev/null || { echo "SKIP: needs dbus-daemon"; exit 77; }
SHOT_PREFIX=gui_conversation_
e2e_init
xvfb_up

# A session bus of this test's own: notifications go to it and nowhere else.
dbus-daemon --session --fork --print-address=3 --print-pid=4 3>"$E2E_DIR/bus.address" 4>"$E2E_DIR/bus.pid" ||
    fail "no private session bus"
E2E_PIDS+=($(cat "$E2E_DIR/bus.pid"))
DBUS_SESSION_BUS_ADDRESS=$(head -n1 "$E2E_DIR/bus.address")
export DBUS_SESSION_BUS_ADDRESS

# --- notifications: the fake server ----------------------------------------
# --- end of notifications: the fake server ---------------------------------

start_node cli - --no-mdns --port 0
cport=$(port_of cli)
start_window gui --nick gui --no-mdns --peer "127.0.0.1:$cport"
wait_for 15 "the window answers on its control socket" hw gui peers
wait_for 10 "the window sees the cli node" online_in gui cli
wait_for 10 "the cli node sees the window" online_in cli gui
wait_for 10 "the first screenshot" test -s "$shot"
find_window
# The first buddy row sits under the identity panel and the (empty) rooms list.
click 100 304
xdotool windowfocus --sync "$win" || true
sleep 0.5
screenshot 1_open

# --- read receipts and typing ----------------------------------------------
# --- end of read receipts and typing ---------------------------------------

# --- search ------------------------------------------------------------------
# cli sends a text with a word nobody else writes, then enough others that it
# scrolls out of view; the window finds it (Ctrl+F, type, Enter) and a click
# on the hit shows it in the conversation, highlighted. The control socket
# finds it too, whatever the case and accents typed.
word=zephyrquokka
hw cli send gui "an older line holding the $word, to be found" --timeout 10 ||
    fail "cli could not send the text to search for"
for i in $(seq 1 30); do hw cli send gui "filler line $i" --timeout 0 >/dev/null || fail "filler $i not queued"; done
wait_for 20 "the window stored cli's texts" test "$(count_in gui cli 'filler line 30')" = 1
hw gui search "Zéphyr" --json >"$E2E_DIR/search.json" || fail "hallway search --json failed"
jq -e --arg w "$word" '.hits | length == 1 and .[0].kind == "peer" and .[0].nick == "cli" and
    .[0].author == "cli" and (.[0].mine | not) and (.[0].body | contains($w))' "$E2E_DIR/search.json" >/dev/null ||
    fail "search --json did not find cli's text: $(cat "$E2E_DIR/search.json")"
hw gui search "$word" --peer cli | grep -q "cli  cli: an older line holding the $word" ||
    fail "hallway search did not print the hit"
hw gui search '"*' >/dev/null 2>"$E2E_DIR/search.err" && fail "punctuation only was searched for"
grep -q "nothing to search for" "$E2E_DIR/search.err" || fail "punctuation only: $(cat "$E2E_DIR/search.err")"
xdotool windowfocus --sync "$win" || true
xdotool key ctrl+f
sleep 0.5
xdotool type --delay 30 "$word"
xdotool key Return
sleep 1
screenshot search_1_hits
# The window "Search messages" (38 x 24 em, centred at 40% of the height:
# x 197..803, y 81..463 at the default size) lists its first hit under the
# field, the hint line and the separator.
click 420 168
screenshot search_2_jumped
# --- end of search -------------------------------------------------------------

# --- notifications -----------------------------------------------------------
# --- end of notifications ----------------------------------------------------

quit_window
echo "gui conversation test passed"
