#!/usr/bin/env bash
# scripts/deps.sh around an existing /usr/sbin/policy-rc.d (issue 16): it must
# exit with the install's status, leave a policy-rc.d it did not make exactly as
# it was, and remove one it made. Runs deps.sh against stubs: apt-get,
# dpkg-query and sudo come first on PATH and the policy path is a temporary
# file, so nothing is installed and the real policy-rc.d is never touched.
set -uo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
stubs=$tmp/bin
mkdir -p "$stubs"
policy=$tmp/policy-rc.d
log=$tmp/apt.log

# Every package missing, so deps.sh goes on to install.
printf '#!/bin/sh\nexit 1\n' >"$stubs/dpkg-query"
# apt-get records what policy-rc.d said while it ran (a service start would be
# forbidden only if it exits 101), and fails with APT_STATUS when set.
cat >"$stubs/apt-get" <<STUB
#!/bin/sh
if [ -x "$policy" ]; then "$policy"; echo "\$1 policy=\$?" >>"$log"; else echo "\$1 policy=none" >>"$log"; fi
exit \${APT_STATUS:-0}
STUB
printf '#!/bin/sh\nexec "$@"\n' >"$stubs/sudo"
chmod 755 "$stubs"/*

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

run_deps() {
  : >"$log"
  (cd "$root" && PATH="$stubs:$PATH" HALLWAY_POLICY_RC_D="$policy" bash scripts/deps.sh run >"$tmp/out" 2>&1)
}

# 1. No policy-rc.d: deps.sh makes one that forbids starts, installs, removes it.
rm -f "$policy"
run_deps; status=$?
[ "$status" = 0 ] || fail "without a policy-rc.d: exit status $status, want 0 ($(cat "$tmp/out"))"
[ -e "$policy" ] && fail "the policy-rc.d deps.sh made was left behind"
grep -qx 'install policy=101' "$log" || fail "apt-get install ran without deps.sh's policy-rc.d: $(cat "$log")"

# 2. An existing policy-rc.d (every Debian container image has one): kept as it was.
printf '#!/bin/sh\n# the image'"'"'s own\nexit 101\n' >"$policy"
chmod 750 "$policy"
cp -p "$policy" "$tmp/original"
before=$(stat -c '%a %s %Y' "$policy")
run_deps; status=$?
[ "$status" = 0 ] || fail "with an existing policy-rc.d: exit status $status, want 0 ($(cat "$tmp/out"))"
if [ -e "$policy" ]; then
  cmp -s "$policy" "$tmp/original" || fail "the existing policy-rc.d's content changed"
  [ "$(stat -c '%a %s %Y' "$policy")" = "$before" ] || fail "the existing policy-rc.d's mode or time changed"
else
  fail "the existing policy-rc.d was removed"
fi
grep -qx 'install policy=101' "$log" || fail "apt-get install did not run under the existing policy-rc.d"

# 3. A failed install is reported as failed, and still cleans up after itself.
rm -f "$policy"
APT_STATUS=100 run_deps; status=$?
[ "$status" = 100 ] || fail "apt-get failing with 100: exit status $status, want 100"
[ -e "$policy" ] && fail "a failed install left deps.sh's policy-rc.d behind"

# 4. Nothing missing: no install, no policy-rc.d, success.
printf '#!/bin/sh\nprintf "install ok installed"\n' >"$stubs/dpkg-query"
run_deps; status=$?
[ "$status" = 0 ] || fail "nothing missing: exit status $status, want 0"
[ -s "$log" ] && fail "nothing missing, yet apt-get ran: $(cat "$log")"
[ -e "$policy" ] && fail "nothing missing, yet a policy-rc.d was made"

[ "$failures" = 0 ] && echo "deps_test: all passed"
[ "$failures" = 0 ]
