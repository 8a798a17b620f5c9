"""What scripts/bench and scripts/bench_hall share: the processes they start
(torn down by PID on exit), the virtual LAN (tests/support/vlan.sh, torn down by
name), a control socket client, /proc readings and the table they print.

Module state, not objects: a signal handler must find everything to tear down.
"""
import json
import os
import signal
import socket
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VLAN = os.path.join(ROOT, "tests", "support", "vlan.sh")
SKIP = 77

# Everything we start, killed by PID on exit; the vlan torn down by name.
started = []
vlan_name = None
work_dir = None
# Undo actions (e.g. restoring sysctls), run last by cleanup(), newest first.
restores = []


def log(msg):
    print(f"# {msg}", file=sys.stderr, flush=True)


def teardown_vlan():
    global vlan_name
    if vlan_name:
        subprocess.run([VLAN, "down", vlan_name], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        vlan_name = None


def stop_all():
    for p in started:
        if p.poll() is None:
            try:
                p.terminate()
            except ProcessLookupError:
                pass
    deadline = time.time() + 5
    for p in started:
        try:
            p.wait(timeout=max(0.1, deadline - time.time()))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    started.clear()


def cleanup(*_):
    global work_dir
    stop_all()
    teardown_vlan()
    if work_dir:
        subprocess.run(["rm", "-rf", work_dir])
        work_dir = None
    while restores:
        restores.pop()()


def on_signal(signum, _frame):
    cleanup()
    sys.exit(128 + signum)


def install_signal_handlers():
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)


def require_root(prog):
    if os.geteuid() != 0:
        print(f"{prog}: needs root (network namespaces for the virtual LAN); skipping", file=sys.stderr)
        return False
    return True


def vlan_up(name, hosts):
    global vlan_name
    vlan_name = name
    subprocess.run([VLAN, "up", name, str(hosts)], check=True, stdout=subprocess.DEVNULL)


def spawn(cmd, log_path=None, env=None, stdout=None):
    """stdout=subprocess.PIPE to read the process's lines; otherwise they go to log_path."""
    out = open(log_path, "ab") if log_path else subprocess.DEVNULL
    p = subprocess.Popen(cmd, stdout=stdout or out, stderr=out if stdout else subprocess.STDOUT,
                         stdin=subprocess.DEVNULL, env=env)
    started.append(p)
    return p


def stop(p, sig=signal.SIGTERM):
    if p.poll() is None:
        p.send_signal(sig)
    try:
        p.wait(timeout=10)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
    if p in started:
        started.remove(p)


def on_host(i, cmd):
    return [VLAN, "exec", vlan_name, str(i)] + cmd


def host_addr(i):
    return subprocess.check_output([VLAN, "addr", vlan_name, str(i)], text=True).strip()


class Control:
    """A client of a node's control socket (docs/CONTROL.md): JSON lines."""

    def __init__(self, profile, timeout=10.0):
        path = os.path.join(profile, "control.sock")
        end = time.time() + timeout
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.time() > end:
                    raise RuntimeError(f"no control socket at {path}")
                time.sleep(0.005)
        self.buf = b""

    def request(self, obj):
        self.sock.sendall((json.dumps(obj) + "\n").encode())
        return self.read()

    def read(self):
        while b"\n" not in self.buf:
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise RuntimeError("control socket closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def peers(self):
        """Every entry of the peers list, following the pages."""
        out, offset = [], 0
        while True:
            reply = self.request({"cmd": "peers", "offset": offset})
            out += reply.get("peers", [])
            if not reply.get("more"):
                return out
            offset = reply["next"]

    def close(self):
        self.sock.close()


def peer_online(ctl, nick):
    for p in ctl.request({"cmd": "peers"}).get("peers", []):
        if p.get("nick") == nick:
            return bool(p.get("online"))
    return False


def poll_until(pred, timeout, interval=0.005):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return time.monotonic()
        time.sleep(interval)
    return None


def percentile(v, q):
    s = sorted(v)
    return s[min(len(s) - 1, int(len(s) * q))]


def cpu_seconds(pid):
    """CPU time of every thread of pid, from the scheduler's nanosecond counters:
    /proc/PID/stat counts whole 10 ms ticks, too coarse for an idle process."""
    total = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                total += int(f.read().split()[0])
        except OSError:
            continue  # the thread ended meanwhile
    return total / 1e9


def machine_busy_seconds():
    """CPU time the whole machine spent not idle, summed over its cores: the
    kernel's share of a transfer (TCP over veth, the page cache) shows here
    and in no process's counters."""
    with open("/proc/stat") as f:
        ticks = [int(x) for x in f.readline().split()[1:9]]
    idle, iowait = ticks[3], ticks[4]
    return (sum(ticks) - idle - iowait) / os.sysconf("SC_CLK_TCK")


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def row(key, what, unit, value, bound, bound_name, target="", lower_better=False):
    """value None: not measured (bound_name says why)."""
    ratio = value / bound if bound and value is not None else None
    return {"key": key, "what": what, "unit": unit, "value": value, "bound": bound, "bound_name": bound_name,
            "ratio": ratio, "target": target, "lower_better": lower_better}


def fmt(v, unit):
    if v is None:
        return "-"
    if unit == "s":
        return f"{v:.3f}"
    # Small figures (idle CPU in % of a core) keep their digits.
    return f"{v:.1f}" if abs(v) >= 100 else f"{v:.3g}"


def print_table(res):
    print(f"{'measure':<66} {'hallway':>10} {'limit':>10} {'ratio':>6}  limit is")
    for r in res:
        v = fmt(r["value"], r["unit"])
        b = "" if r["bound"] is None else fmt(r["bound"], r["unit"])
        ratio = "" if r["ratio"] is None else f"{r['ratio']:.2f}"
        what = f"{r['what']} [{r['unit']}]"
        tail = r["bound_name"] + (f" (target {r['target']})" if r["target"] else "")
        print(f"{what:<66} {v:>10} {b:>10} {ratio:>6}  {tail}")


def build(build_dir, targets):
    cfg = ["cmake", "-S", ROOT, "-B", build_dir, "-G", "Ninja", "-DHALLWAY_GUI=OFF", "-DCMAKE_BUILD_TYPE=Release"]
    subprocess.run(cfg, check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["cmake", "--build", build_dir, "--target"] + list(targets), check=True, stdout=subprocess.DEVNULL)


def machine():
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    return f"{os.cpu_count()} cores ({cpu})"
