# Shared by the window's end-to-end tests: Xvfb, the window under it, its
# screenshots and clicks. Source after tests/e2e/lib.sh; skips (77) without
# Xvfb, xdotool or jq.
HALLWAY_GUI=${HALLWAY_GUI:?HALLWAY_GUI must name the hallway-gui binary}
SHOT_DIR=${GUI_SHOT_DIR:-.}
for tool in Xvfb xdotool jq; do
    command -v "$tool" >/dev/null || { echo "SKIP: needs $tool"; exit 77; }
done

# xvfb_up: a display nobody uses (-nolisten tcp keeps it local), exported.
xvfb_up() {
    local display="" n
    for n in $(seq 90 189); do
        if [ ! -e "/tmp/.X11-unix/X$n" ] && [ ! -e "/tmp/.X$n-lock" ]; then display=":$n"; break; fi
    done
    [ -n "$display" ] || fail "no free X display number"
    Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp >"$E2E_DIR/xvfb.log" 2>&1 &
    E2E_PIDS+=($!)
    wait_for 10 "Xvfb is up" test -e "/tmp/.X11-unix/X${display#:}"
    export DISPLAY=$display LIBGL_ALWAYS_SOFTWARE=1
}

# start_window NAME ARGS...: hallway-gui on profile NAME, its screenshots to
# $shot; sets gui_pid. Under -DHALLWAY_SANITIZE=ON the OpenGL driver (Mesa,
# unloaded at exit) leaks a few hundred bytes LeakSanitizer can neither
# attribute nor suppress: ASan and UBSan still check every access; only leak
# reporting is off here.
start_window() {
    local name=$1; shift
    shot="$E2E_DIR/window.png"
    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" "$HALLWAY_GUI" --profile "$E2E_DIR/$name" \
        --screenshot "$shot" "$@" >>"$E2E_DIR/$name.gui.log" 2>&1 &
    gui_pid=$!
    E2E_PIDS+=($gui_pid)
}

# find_window: the window's X id into $win, once it is mapped.
find_window() {
    win=$(xdotool search --sync --name '^Hallway' | head -n1)
    [ -n "$win" ] || fail "no Hallway window"
}

changed() { [ "$(stat -c %Y.%s "$shot")" != "$1" ]; }
# screenshot NAME: ask the window for a fresh PNG (SIGUSR1) and keep it as
# $SHOT_DIR/${SHOT_PREFIX}NAME.png. The PNG is renamed into place, so a changed
# mtime or size means a whole new file.
screenshot() {
    local before
    before=$(stat -c %Y.%s "$shot")
    sleep 1.1  # mtime may have 1 s resolution
    kill -USR1 "$gui_pid"
    wait_for 10 "screenshot $1" changed "$before"
    cp "$shot" "$SHOT_DIR/${SHOT_PREFIX:-gui_e2e_}$1.png"
}

# click X Y: window coordinates (default font, scale 1, 1000x680 window).
# The pointer rests before the press, as a hand's does: the window then has
# drawn the hover (a modal's first frames only measure and place it).
click() { xdotool mousemove --window "$win" "$1" "$2"; sleep 0.3; xdotool click 1; sleep 0.5; }

# quit_window: SIGTERM ends the process cleanly.
quit_window() {
    kill -TERM "$gui_pid"
    for _ in $(seq 50); do kill -0 "$gui_pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$gui_pid" 2>/dev/null && fail "hallway-gui did not exit on SIGTERM"
    wait "$gui_pid" || fail "hallway-gui exited with $?"
}
