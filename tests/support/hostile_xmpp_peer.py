#!/usr/bin/env python3
"""A hostile link-local XMPP peer (issue 19): one TCP stream per attack
against a Hallway node's XEP-0174 port, and a JSON line per attack saying
whether the node cut the stream off, how fast, and with which stream error.

usage: hostile_xmpp_peer.py HOST PORT FROM TO

FROM must be our _presence._tcp instance as the node sees it announced (so
the attacks after the header reach the parser of an identified stream), TO
the node's instance. Nothing here waits more than CUT_OFF_S per attack.
"""
import json
import re
import select
import socket
import sys
import time

CUT_OFF_S = 15.0  # the node's header wait is 10 s; anything longer is a hang

host, port, me, node = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
STREAMS = "http://etherx.jabber.org/streams"
HEADER = (f"<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
          f"xmlns:stream='{STREAMS}' from='{me}' to='{node}'>")


def connect():
    s = socket.create_connection((host, port), timeout=5)
    s.settimeout(0.2)
    return s


def read_until_closed(s, deadline, want=None):
    """Reads until EOF (True), a reset (True) or the deadline (False); with
    want, returns early once the bytes match it. Returns (closed, bytes)."""
    data = b""
    while time.monotonic() < deadline:
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            continue
        except (ConnectionResetError, BrokenPipeError):
            return True, data
        if not chunk:
            return True, data
        data += chunk
        if want and re.search(want, data):
            return False, data
    return False, data


def send_all(s, payload):
    """Sends what the node takes; a node that cut us off mid-send is fine."""
    try:
        s.sendall(payload)
        return True
    except (ConnectionResetError, BrokenPipeError, socket.timeout):
        return False


def attack(name, before_header, after_header=b""):
    """before_header replaces our header when set; after_header is sent once
    the node answered our (valid) header, as an identified peer would."""
    start = time.monotonic()
    deadline = start + CUT_OFF_S
    result = {"attack": name, "identified": None}
    with connect() as s:
        if before_header:
            send_all(s, before_header)
        else:
            send_all(s, HEADER.encode())
            closed, data = read_until_closed(s, deadline, rb"<stream:stream[^>]*>")
            result["identified"] = not closed and b"invalid-from" not in data
            if not result["identified"]:
                result.update(closed=closed, seconds=round(time.monotonic() - start, 3),
                              error=stream_error(data))
                return result
            send_all(s, after_header)
        closed, data = read_until_closed(s, deadline)
    result.update(closed=closed, seconds=round(time.monotonic() - start, 3), error=stream_error(data))
    return result


def stream_error(data):
    m = re.search(rb"<stream:error>\s*<([a-z-]+)", data)
    return m.group(1).decode() if m else None


def message(body):
    return f"<message from='{me}' to='{node}' type='chat'><body>{body}</body></message>"


lol = "".join(f"<!ENTITY lol{i} '{('&lol%d;' % (i - 1)) * 10}'>" for i in range(1, 10))
ATTACKS = [
    # Billion laughs in a DTD before the stream: XMPP forbids DTDs.
    ("entity bomb", f"<?xml version='1.0'?><!DOCTYPE stream:stream [<!ENTITY lol0 'lol'>{lol}]>"
                    f"{HEADER}<message><body>&lol9;</body></message>".encode(), b""),
    ("external entity", f"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]>"
                        f"{HEADER}<message><body>&e;</body></message>".encode(), b""),
    ("oversized header", (HEADER[:-1] + " junk='" + "x" * 100_000 + "'>").encode(), b""),
    ("not xml", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(range(256)) * 4, b""),
    ("deep", None, ("<message>" + "<a>" * 1000).encode()),
    ("oversized stanza", None, (f"<message from='{me}' to='{node}' type='chat'><body>" + "x" * 400_000).encode()),
    ("many attributes", None, ("<message " + " ".join(f"a{i}='v'" for i in range(5000)) + ">").encode()),
    ("malformed", None, (message("fine") + "<message><body>a</message>").encode()),
    ("invalid utf-8", None, message("ok").encode() + b"<message><body>\xff\xfe\xc0\xaf</body></message>"),
    ("internal entity after header", None, b"<!DOCTYPE x [<!ENTITY a 'b'>]>"),
    ("stanza flood", None, (message("flood") * 5000).encode()),
]

for name, before, after in ATTACKS:
    print(json.dumps(attack(name, before, after)), flush=True)

# Slowloris: many streams that never finish a header. Each must be cut off by
# the node's header wait (or refused at once over the pending limit).
socks = []
for _ in range(100):
    try:
        s = connect()
        send_all(s, b"<?xml version='1.0'?><stream:str")
        socks.append(s)
    except OSError:
        break
start = time.monotonic()
deadline = start + CUT_OFF_S
open_left = set(range(len(socks)))
while open_left and time.monotonic() < deadline:
    readable, _, _ = select.select([socks[i] for i in open_left], [], [], 0.5)
    for r in readable:
        i = socks.index(r)
        try:
            if not r.recv(4096):
                open_left.discard(i)
        except OSError:
            open_left.discard(i)
for s in socks:
    s.close()
print(json.dumps({"attack": "slow headers", "identified": None, "streams": len(socks),
                  "closed": not open_left, "still_open": len(open_left),
                  "seconds": round(time.monotonic() - start, 3), "error": None}), flush=True)
