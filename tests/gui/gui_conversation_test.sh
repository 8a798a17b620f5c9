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
# It records each Notify as a JSON line; named .log so a failure prints it.
FAKE_NOTIFICATIONS=${FAKE_NOTIFICATIONS:?FAKE_NOTIFICATIONS must name the fake_notifications binary}
command -v xmessage >/dev/null || { echo "SKIP: needs xmessage (x11-utils)"; exit 77; }
notes="$E2E_DIR/notifications.log"
: >"$notes"
"$FAKE_NOTIFICATIONS" "$notes" 2>"$E2E_DIR/fake_notifications.err" &
notify_pid=$!
E2E_PIDS+=($notify_pid)
notification_server_up() {
    dbus-send --session --print-reply --dest=org.freedesktop.Notifications /org/freedesktop/Notifications \
        org.freedesktop.Notifications.GetServerInformation | grep -q fake_notifications
}
wait_for 10 "the fake notification server owns its name" notification_server_up
# --- end of notifications: the fake server ---------------------------------

start_node cli - --no-mdns --port 0
cport=$(port_of cli)
start_window gui --nick gui --no-mdns --port 0 --peer "127.0.0.1:$cport"
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
# docs/PROTOCOL.md §14, both ways: read_at in each side's history, typing in
# each side's `peers --json`; the screenshots show "seen" and "cli is typing…".
seen_in() { hw "$1" history "$2" --json | jq -e --arg b "$3" 'any(.[]; .body == $b and .direction == "out" and .read_at > 0)'; }
typing_in() { hw "$1" peers --json | jq -e --arg n "$2" 'any(.[]; .nick == $n and .typing)'; }
not_typing_in() { hw "$1" peers --json | jq -e --arg n "$2" 'any(.[]; .nick == $n and (.typing | not))'; }
# The window's text, read at cli: the window hears it was seen.
hw gui send cli "did you read this?" --timeout 10 >/dev/null || fail "cli did not take the window's text"
seen_in gui cli "did you read this?" && fail "seen before cli showed it"
hw cli read gui || fail "cli could not mark the conversation read"
wait_for 10 "the window's text reads seen" seen_in gui cli "did you read this?"
screenshot 2_seen
# cli's text, shown in the window's open conversation: read there, and cli hears so.
hw cli send gui "the window shows this" --timeout 10 >/dev/null || fail "the window did not take cli's text"
wait_for 10 "cli hears the window showed its text" seen_in cli gui "the window shows this"
hw cli history gui | grep -q 'the window shows this  (seen)' || fail "cli's history does not say seen"
# cli types: the window shows the typing line until cli stops.
hw cli typing gui || fail "cli could not say it types"
wait_for 10 "the window sees cli typing" typing_in gui cli
screenshot 3_typing
hw cli typing gui --stop || fail "cli could not say it stopped"
wait_for 10 "the window sees cli stop typing" not_typing_in gui cli
# The window types (the input has the keyboard since the conversation opened):
# cli's node sees it, and sees it stop when the input is emptied.
xdotool type --delay 30 "abc"
wait_for 10 "cli sees the window typing" typing_in cli gui
screenshot 4_window_typing
xdotool key ctrl+a BackSpace
wait_for 10 "cli sees the window stop typing" not_typing_in cli gui
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
notes_count() { wc -l <"$notes"; }
# more_notes N: more than N notifications recorded.
more_notes() { [ "$(notes_count)" -gt "$1" ]; }
# last_note FIELD: a field of the last notification recorded (jq path).
last_note() { tail -n1 "$notes" | jq -r ".$1"; }
cli_unread() { hw gui peers --json | jq -r '.[] | select(.nick == "cli") | .unread'; }
cli_read_up() { [ "$(cli_unread)" = 0 ]; }
window_has_focus() { [ "$(xdotool getwindowfocus)" = "$win" ]; }
# cli_sends_and_notes TEXT: cli sends TEXT; waits for one more notification
# and fails if more than one came (the ones before it must have said nothing).
cli_sends_and_notes() {
    local before
    before=$(notes_count)
    hw cli send gui "$1" --timeout 5 >/dev/null || fail "cli could not send \"$1\""
    wait_for 10 "a notification of \"$1\"" more_notes "$before"
    [ "$(notes_count)" = $((before + 1)) ] || fail "more than one notification: $(tail -n2 "$notes")"
}

# The Settings dialog: "Settings..." sits at the right end of the
# "Your fingerprint" row of the identity panel.
xdotool windowfocus --sync "$win" || true
click 236 174
# The modal is centred: "Hide name and text" sets the node's setting.
click 326 300
notifications_are() { [ "$(hw gui notifications)" = "$1" ]; }
wait_for 5 "the dialog set notifications hidden" notifications_are hidden
screenshot 19_settings
click 326 274  # Show name and text
wait_for 5 "the dialog set notifications full" notifications_are full
# "Send read receipts" turns them off and on again.
receipts_are() { [ "$(hw gui read-receipts)" = "$1" ]; }
click 326 356
wait_for 5 "the dialog turned read receipts off" receipts_are off
click 326 356
wait_for 5 "the dialog turned read receipts on" receipts_are on
# "Link-local XMPP (Pidgin/Adium Bonjour)" sets the bridge's setting (with
# --no-mdns nothing is published) and back off.
bonjour_is() { [ "$(hw gui bonjour 2>/dev/null)" = "$1" ]; }
bonjour_is off || fail "link-local XMPP is on by default"
click 326 438
wait_for 5 "the dialog turned link-local XMPP on" bonjour_is on
click 326 438
wait_for 5 "the dialog turned link-local XMPP off" bonjour_is off
click 338 516  # Close

# Focused, with the conversation on screen: the window says nothing (the text
# is read there: its unread count clears, which needs a focused frame).
xdotool windowfocus --sync "$win" || true
base=$(notes_count)
hw cli send gui "seen in the open window" --timeout 5 >/dev/null || fail "cli could not send"
wait_for 10 "the focused window read the text" cli_read_up

# Another program in front (away from the window, no window manager here).
xmessage -title "another program" -geometry +1020+20 "another program" &
xmessage_pid=$!
E2E_PIDS+=($xmessage_pid)
xm=$(xdotool search --sync --name '^another program$' | head -n1)
xdotool windowfocus --sync "$xm"
! window_has_focus || fail "the window still has the focus"

# full: the sender's name and the text's first line, markup escaped (the
# server says body-markup), actions and hints for a click and the desktop entry.
cli_sends_and_notes $'fish & <b>chips</b>\nsecond line'
[ "$(notes_count)" = $((base + 1)) ] || fail "the focused window was notified: $(head -n1 "$notes")"
[ "$(last_note summary)" = cli ] || fail "summary: $(last_note summary)"
[ "$(last_note body)" = "fish &amp; &lt;b&gt;chips&lt;/b&gt;" ] || fail "body: $(last_note body)"
[ "$(last_note app)" = Hallway ] || fail "app: $(last_note app)"
[ "$(last_note 'actions | join(",")')" = "default,Open" ] || fail "actions: $(last_note actions)"
[ "$(last_note 'hints.category')" = im.received ] || fail "hints: $(last_note hints)"
[ "$(last_note 'hints["desktop-entry"]')" = lan.hallway.Hallway ] || fail "hints: $(last_note hints)"
[ "$(last_note replaces_id)" = 0 ] || fail "the first notification replaces $(last_note replaces_id)"
first_id=$(last_note id)
screenshot 20_notified_unfocused

# The next from the same conversation replaces it rather than piling up.
cli_sends_and_notes "and dessert?"
[ "$(last_note replaces_id)" = "$first_id" ] || fail "not replaced: $(tail -n1 "$notes")"
[ "$(last_note body)" = "and dessert?" ] || fail "body: $(last_note body)"

# hidden: neither name nor text.
[ "$(hw gui notifications hidden)" = hidden ] || fail "notifications hidden refused"
[ "$(hw gui notifications)" = hidden ] || fail "the setting did not stick"
cli_sends_and_notes "the secret plan"
[ "$(last_note summary)" = Hallway ] || fail "hidden summary: $(last_note summary)"
[ "$(last_note body)" = "New message" ] || fail "hidden body: $(last_note body)"
! grep -q "secret\|\"summary\":\"cli\"" <(tail -n1 "$notes") || fail "hidden leaked: $(tail -n1 "$notes")"

# busy is do not disturb: nothing for the text sent meanwhile (the next
# notification, after busy, is the only new one), and off is off.
hw gui notifications full >/dev/null
hw gui status busy >/dev/null || fail "gui could not go busy"
hw cli send gui "while busy" --timeout 5 >/dev/null || fail "cli could not send"
hw gui notifications off >/dev/null
hw gui status available >/dev/null
hw cli send gui "while off" --timeout 5 >/dev/null || fail "cli could not send"
hw gui notifications full >/dev/null
cli_sends_and_notes "after busy"
[ "$(last_note body)" = "after busy" ] || fail "busy or off was notified: $(tail -n2 "$notes")"
[ "$(cli_unread)" -gt 0 ] || fail "the unfocused window read the texts"

# A click on the notification: the window comes to front with cli's
# conversation, which is then read.
kill -USR1 "$notify_pid"
wait_for 10 "the click focused the window" window_has_focus
wait_for 10 "the clicked conversation is read" cli_read_up
screenshot 21_clicked
kill -TERM "$xmessage_pid" 2>/dev/null || true
# --- end of notifications ----------------------------------------------------

quit_window
echo "gui conversation test passed"
