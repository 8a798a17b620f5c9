#!/usr/bin/env bash
# The .deb as a person gets it: scripts/package builds it (reusing the build
# directory, build/ or $HALLWAY_BUILD_DIR), lintian reports no error, dpkg -i
# installs it on this machine, the programs, the man page, the menu entry, the
# AppStream data and the bash completion work from where they were installed,
# and dpkg --purge leaves none of its files behind. Root only (it installs into
# /usr); exits 77 without root or when a hallway package is already installed
# (not ours to remove). The machine is restored also when a check fails.
set -uo pipefail
cd "$(dirname "$0")/../.."

if [ "$(id -u)" -ne 0 ]; then echo "package_test: needs root (dpkg -i); skipped"; exit 77; fi
if dpkg-query -W -f='${Status}' hallway 2>/dev/null | grep -qv "not-installed"; then
    echo "package_test: a hallway package is already installed; skipped"; exit 77
fi

work=$(mktemp -d)
installed=0
cleanup() {
    [ "$installed" = 1 ] && dpkg --purge hallway >/dev/null 2>&1
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM  # so that the EXIT trap restores the machine then too

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
ok() { echo "ok: $*"; }

deb=$(scripts/package 2>"$work/package.log") || { cat "$work/package.log"; echo "FAIL: scripts/package"; exit 1; }
echo "package: $deb"
version=$(dpkg-deb -f "$deb" Version)
dpkg-deb -f "$deb" Depends Recommends

lintian "$deb" >"$work/lintian.log" 2>&1
cat "$work/lintian.log"
if grep -q '^E:' "$work/lintian.log"; then fail "lintian reports errors"; else ok "lintian: no errors"; fi

# What of the package's paths (directories too) was there before it, so that
# after the purge only those may remain.
dpkg-deb --fsys-tarfile "$deb" | tar -t | sed -e 's|^\./|/|' -e 's|/$||' | grep -v '^/\?$' >"$work/contents"
while read -r path; do
    [ -e "$path" ] && echo "$path"
done <"$work/contents" >"$work/before"

installed=1
if ! dpkg -i "$deb" >"$work/dpkg.log" 2>&1; then
    cat "$work/dpkg.log"
    fail "dpkg -i"
    exit 1
fi
ok "dpkg -i"
dpkg -L hallway | grep -v '^/\.$' >"$work/listed"

# The installed programs from the PATH; hallway-gui without a display.
bash tests/cli/version_test.sh "$version" hallway hallway-gui || fail "--version"
page=$(man -w hallway 2>&1) && ok "man -w hallway: $page" || fail "man -w hallway: $page"
page=$(man -w hallway-gui 2>&1) && ok "man -w hallway-gui: $page" || fail "man -w hallway-gui: $page"
for page in hallway hallway-gui; do
    warnings=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$(man -w "$page")" 2>&1 >/dev/null)
    [ -z "$warnings" ] && ok "man --warnings $page: none" || fail "man --warnings $page: $warnings"
done
desktop=$(grep '\.desktop$' "$work/listed")
if [ -n "$desktop" ] && desktop-file-validate "$desktop"; then ok "desktop-file-validate $desktop"; else fail "desktop-file-validate '$desktop'"; fi
metainfo=$(grep '/metainfo/.*\.xml$' "$work/listed")
if [ -n "$metainfo" ] && appstreamcli validate --no-net "$metainfo" >"$work/appstream.log" 2>&1; then
    ok "appstreamcli validate $metainfo"
else
    cat "$work/appstream.log"; fail "appstreamcli validate '$metainfo'"
fi
# The firewall profiles as their tools read them (ufw's only where ufw is installed).
firewalld=$(grep 'firewalld/services/hallway.xml$' "$work/listed")
xmllint --noout "$firewalld" && ok "xmllint $firewalld" || fail "firewalld service '$firewalld' is not well-formed XML"
if command -v ufw >/dev/null; then
    ufw app info Hallway && ok "ufw app info Hallway" || fail "ufw app info Hallway"
fi
# The completion as bash loads it: the subcommands, then room's own.
words=$(bash -c 'source /usr/share/bash-completion/bash_completion
                 source /usr/share/bash-completion/completions/hallway
                 COMP_WORDS=(hallway room c); COMP_CWORD=2; COMP_LINE="hallway room c"; COMP_POINT=${#COMP_LINE}
                 _hallway; echo "${COMPREPLY[*]}"' 2>&1)
[ "$words" = "create" ] && ok "bash completion: hallway room c -> $words" || fail "bash completion of 'hallway room c': '$words'"
if systemd-analyze --user verify hallway.service >"$work/unit.log" 2>&1 ||
   systemd-analyze verify "$(grep 'systemd/user/hallway.service$' "$work/listed")" >"$work/unit.log" 2>&1; then
    ok "systemd-analyze verify hallway.service"
else
    cat "$work/unit.log"; fail "systemd-analyze verify hallway.service"
fi

if dpkg --purge hallway >"$work/dpkg.log" 2>&1; then installed=0; ok "dpkg --purge"; else cat "$work/dpkg.log"; fail "dpkg --purge"; fi
dpkg-query -W -f='${Status}' hallway 2>/dev/null | grep -qv "not-installed" && fail "dpkg still knows hallway after the purge"
left=0
while read -r path; do
    if [ -e "$path" ] && ! grep -qxF "$path" "$work/before"; then
        echo "left behind: $path"
        left=1
    fi
done <"$work/listed"
[ "$left" = 0 ] && ok "nothing of the package is left on disk ($(wc -l <"$work/listed") paths checked)" || fail "files left after the purge"

[ "$failures" -eq 0 ] && echo "package_test: all checks passed" || echo "package_test: $failures check(s) failed"
[ "$failures" -eq 0 ]
