#!/usr/bin/env bash
# The window as a person uses it, on loopback: a hallway-gui under Xvfb and a
# `hallway daemon` peer. Types into the window with xdotool (Enter sends,
# Shift+Enter breaks the line), checks the peer's history; sends from the
# peer, checks the GUI node's history through its control socket. Rooms: one
# created by clicking (and shown at once), an invitation sent from the window,
# an open room of the peer joined from the browser. The private mode
# checkbox. The profile locked: the unlock screen refuses a wrong passphrase
# and opens on the right one. A screenshot per step lands in $GUI_SHOT_DIR.
# Skips (77) without Xvfb, xdotool or jq.
source "$(dirname "$0")/../e2e/lib.sh"
source "$(dirname "$0")/gui_lib.sh"
e2e_init
xvfb_up

start_node cli - --no-mdns --port 0
cport=$(port_of cli)

# A stand-in xdg-open first on the window's PATH: a clicked link is handed to
# it, and it only writes its arguments down, one per line.
mkdir -p "$E2E_DIR/bin"
printf '#!/bin/sh\nprintf "%%s\\n" "$@" >>"%s/opened"\n' "$E2E_DIR" >"$E2E_DIR/bin/xdg-open"
chmod +x "$E2E_DIR/bin/xdg-open"
export PATH="$E2E_DIR/bin:$PATH"

# --port 0: another Hallway on the default port (a test running beside this one)
# would put a notice above the conversation and move what is clicked there.
start_window gui --nick gui --no-mdns --port 0 --peer "127.0.0.1:$cport"
wait_for 15 "the window answers on its control socket" hw gui peers
wait_for 10 "the window sees the cli node" online_in gui cli
wait_for 10 "the cli node sees the window" online_in cli gui
wait_for 10 "the first screenshot" test -s "$shot"

# has N NAME PEER BODY: NAME's history with PEER holds BODY exactly N times.
has() { [ "$(count_in "$2" "$3" "$4")" = "$1" ]; }
all_out_delivered() {
    hw gui history cli --json | jq -e "map(select(.direction==\"out\")) | length == $1 and all(.state == \"delivered\")"
}
read_up() { hw gui peers --json | jq -e 'any(.[]; .nick == "cli" and .unread == 0)'; }

screenshot 1_started

find_window
# The first buddy row sits under the identity panel and the (empty) rooms list.
click 100 304
xdotool windowfocus --sync "$win" || true
sleep 0.5
xdotool type --delay 30 "hello from the window"
xdotool key Return
wait_for 10 "the cli node got the typed message" has 1 cli gui "hello from the window"

xdotool type --delay 30 "line one"
xdotool key shift+Return
xdotool type --delay 30 "line two"
xdotool key Return
wait_for 10 "Shift+Enter kept a line break" has 1 cli gui $'line one\nline two'
wait_for 10 "the window's messages are delivered" all_out_delivered 2
screenshot 2_typed

hw cli send gui "hello from the terminal" --timeout 5 || fail "send from the cli node was not acknowledged"
has 1 gui cli "hello from the terminal" || fail "the window's node lacks the cli message"
screenshot 3_received

# Open conversation: the message was read, the title carries no unread count.
wait_for 5 "the open conversation is read" read_up
[ "$(xdotool getwindowname "$win")" = "Hallway" ] || fail "title should be plain: $(xdotool getwindowname "$win")"

# --- the conversation view: a link, the message's menu, the X clipboard -------
url="https://example.org/hallway-e2e"
link_text="the docs: $url."
hw cli send gui "$link_text" --timeout 5 >/dev/null || fail "the link text from the cli node was not acknowledged"
has 1 gui cli "$link_text" || fail "the window's node lacks the link text"
sleep 0.5
screenshot 3a_link
# The newest bubble is the bottom one on the left (the conversation is short:
# bubbles from the top), its body on its second line: the link starts after
# "the docs: ". The menu opens at the pointer: Copy text, Select text...,
# then (a link was under it) Copy link, Open link.
link_x=420; link_y=264
menu() { xdotool mousemove --window "$win" "$link_x" "$link_y"; sleep 0.3; xdotool click 3; sleep 0.5; }
menu_item() { click $((link_x + 30)) $((link_y + $1)); }
copy_text=16 select_text=36 copy_link=60
if command -v xclip >/dev/null; then
    clipboard_is() { [ "$(timeout 2 xclip -o -selection clipboard 2>/dev/null)" = "$1" ]; }
    menu
    screenshot 3b_menu
    menu_item $copy_text
    wait_for 5 "Copy text put the whole text in the X clipboard" clipboard_is "$link_text"
    menu
    menu_item $copy_link
    wait_for 5 "Copy link put the URL in the X clipboard" clipboard_is "$url"
    # Select text...: the text in a field where Ctrl+A, Ctrl+C work.
    menu
    menu_item $select_text
    xdotool key ctrl+a ctrl+c
    wait_for 5 "Ctrl+C in Select text copied the text" clipboard_is "$link_text"
    screenshot 3c_select
    click 306 459  # Close
else
    echo "NOTE: xclip missing (scripts/deps.sh test installs it): the clipboard is not checked"
fi
# A click on the link hands exactly it to xdg-open; nothing opened it before.
[ -e "$E2E_DIR/opened" ] && fail "a link was opened without a click: $(cat "$E2E_DIR/opened")"
click "$link_x" "$link_y"
wait_for 5 "a click on the link ran xdg-open with it" test -s "$E2E_DIR/opened"
[ "$(cat "$E2E_DIR/opened")" = "$url" ] || fail "xdg-open was given $(cat "$E2E_DIR/opened"), not $url"

# --- rooms --------------------------------------------------------------------
room_has() { hw "$1" history "#$2" --json | jq -e --arg b "$3" 'any(.[]; .kind == "text" and .body == $b)'; }
membership_is() { hw "$1" rooms --json | jq -e --arg r "$2" --arg m "$3" 'any(.[]; .name == $r and .membership == $m)'; }
joined_in() { membership_is "$1" "$2" joined; }
invited_in() { membership_is "$1" "$2" invited; }
open_listed() { hw "$1" rooms --open --json | jq -e --arg r "$2" 'any(.[]; .name == $r)'; }
# New... in the rooms section, a name, Create (the modal is centred).
click 95 260
xdotool type --delay 30 "team"
click 327 390
wait_for 10 "the window's node holds the room created by clicking" joined_in gui team
# The new room is shown with the input focused: typing goes into it.
xdotool type --delay 30 "first words in the room"
xdotool key Return
wait_for 10 "the typed text is in the new room" room_has gui team "first words in the room"
# Invite... in the room's header, then Invite next to the cli node.
click 460 16
click 566 336
wait_for 10 "the cli node is invited" invited_in cli team
click 430 363  # Close
hw cli room join team >/dev/null || fail "the cli node could not join #team"
wait_for 10 "the cli node holds the room's log" room_has cli team "first words in the room"
hw cli send "#team" "hello room from the terminal" --timeout 5 >/dev/null || fail "the window's node did not take the room text"
room_has gui team "hello room from the terminal" || fail "the window's node lacks the cli node's room text"
screenshot 4_room

# An open room of the cli node, joined from the browser, is shown at once.
hw cli room create hall --open >/dev/null || fail "the cli node could not create #hall"
click 166 260  # Browse...
wait_for 10 "the browser heard of #hall" open_listed gui hall
sleep 0.5
screenshot 5_browser
click 412 242  # Join, on the first (only) row
wait_for 10 "the window's node joined #hall" joined_in gui hall
xdotool type --delay 30 "hi hall"
xdotool key Return
wait_for 10 "the cli node got the text typed into the joined room" room_has cli hall "hi hall"
screenshot 6_open_room

# --- private mode -------------------------------------------------------------
# own NAME FIELD: a field of the running node's id, from its control socket
# (`hallway id` reads the profile, which a locked one does not allow).
own() {
    python3 - "$E2E_DIR/$1/control.sock" "$2" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b'{"cmd": "id"}\n')
print(json.dumps(json.loads(s.makefile().readline()).get(sys.argv[2])))
PY
}
private_is() { [ "$(own gui private)" = "$1" ]; }
private_is false || fail "the window's node starts private"
click 27 105  # the "Private mode" checkbox, under the status message
wait_for 10 "the checkbox made the node private" private_is true
grep -qx 'private=1' "$E2E_DIR/gui/settings" || fail "private mode is not saved in the settings"
screenshot 7_private

quit_window

# --- a locked profile: the unlock screen --------------------------------------
fp=$(fp_of gui)
# The cheapest Argon2 (a test-only setting): this tests the window, not the KDF.
HALLWAY_TEST_CHEAP_KDF=1 hw gui lock --passphrase-fd 3 3<<<"correct horse" >/dev/null || fail "the window's profile was not locked"
start_window gui --no-mdns --port 0 --peer "127.0.0.1:$cport"
# The title names the screen: the unlock screen, then the messenger.
locked_window() { xdotool search --name '^Hallway \(locked\)$' >/dev/null; }
wait_for 15 "the unlock screen" locked_window
win=$(xdotool search --name '^Hallway' | head -n1)
hw gui peers >/dev/null 2>&1 && fail "a node runs before the profile is unlocked"
screenshot 8_unlock

xdotool windowfocus --sync "$win" || true
sleep 0.5
xdotool type --delay 30 "wrong horse"
xdotool key Return
sleep 2  # a refused try changes nothing anyone can wait for
kill -0 "$gui_pid" 2>/dev/null || fail "hallway-gui exited on a wrong passphrase"
locked_window || fail "a wrong passphrase left the unlock screen"
hw gui peers >/dev/null 2>&1 && fail "a wrong passphrase started the node"
screenshot 9_wrong
# The field was cleared: what is typed now is the whole passphrase.
xdotool type --delay 30 "correct horse"
xdotool key Return
wait_for 15 "the right passphrase started the node" hw gui peers
wait_for 5 "the title is the messenger's" test "$(xdotool getwindowname "$win")" = Hallway
[ "$(own gui id)" = "\"$fp\"" ] || fail "the unlocked node is not the same identity: $(own gui id), not $fp"
wait_for 10 "the unlocked window sees the cli node" online_in gui cli
private_is true || fail "private mode was not kept through the lock"
screenshot 10_unlocked
click 27 105
wait_for 10 "the checkbox turned private mode off" private_is false
# The change is saved sealed, as everything of a locked profile.
[ -e "$E2E_DIR/gui/settings" ] && fail "the locked profile's settings were written in plaintext"
screenshot 11_public

quit_window
echo "gui e2e test passed"
