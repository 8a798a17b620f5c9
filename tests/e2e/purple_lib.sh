# Driving tests/support/purple_peer (a headless libpurple Bonjour client, the
# real XEP-0174 implementation of Pidgin and Finch) from an e2e test. Source
# after lib.sh, then call need_purple_peer.

need_purple_peer() {
    [ -n "${PURPLE_PEER:-}" ] && [ -x "$PURPLE_PEER" ] ||
        { echo "SKIP: purple_peer was not built (needs libpurple-dev: scripts/deps.sh test)"; exit 77; }
}

declare -A PEER_PID PEER_FD
# start_peer RUN HOST [ACCOUNT]: purple_peer on vlan host HOST, account ACCOUNT
# (default RUN); commands go to its stdin through a FIFO held open here,
# events to $E2E_DIR/RUN.out. A new RUN name per start: a restarted account
# keeps its own event file.
start_peer() {
    local run=$1 host=$2 account=${3:-$1} fifo="$E2E_DIR/$1.in" fd
    mkfifo "$fifo"
    exec {fd}<>"$fifo"  # read-write: opening does not block, and it never sees EOF
    PEER_FD[$run]=$fd
    mkdir -p "$E2E_DIR/$account.purple"
    # Not through on_host: $! must be the process that becomes purple_peer (vlan.sh execs).
    "$VLAN_SH" exec "$E2E_VLAN" "$host" "$PURPLE_PEER" --dir "$E2E_DIR/$account.purple" --name "$account" --debug \
        <"$fifo" >"$E2E_DIR/$run.out" 2>"$E2E_DIR/$run.log" &
    PEER_PID[$run]=$!
    E2E_PIDS+=($!)
}
# tell RUN LINE: a command to RUN's purple_peer.
tell() { printf '%s\n' "$2" >&"${PEER_FD[$1]}"; }
# events RUN FILTER: RUN's events that match the jq FILTER, one JSON a line.
events() { jq -c "select($2)" "$E2E_DIR/$1.out" 2>/dev/null; }
seen() { [ -n "$(events "$1" "$2")" ]; }
# ts RUN FILTER: the stamp (ms) of RUN's first event that matches FILTER.
ts() { events "$1" "$2" | head -n1 | jq -r .ts; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
# jstr TEXT: TEXT as a JSON string, for jq filters.
jstr() { jq -n --arg s "$1" '$s'; }
# im_from RUN FROM TEXT: RUN got TEXT from FROM, exactly as sent.
im_from() { seen "$1" ".event == \"im\" and .from == $(jstr "$2") and .text == $(jstr "$3")"; }
count_im() { events "$1" '.event == "im"' | wc -l; }
