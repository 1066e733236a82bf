#!/usr/bin/env python3
"""The start-up, size and memory figures of issue 18 for the published koi, in one run, each next to a real
peer measured the same way in the same run, with its target and whether it is met:

    python3 bench/startup.py [--koi artifacts/publish/koi] [--runs 10] [--version-runs 20] [--services 50]

1. binary size (target <= 30 MB).
2. `koi version`, whole process: wall median of --version-runs and CPU (user + sys from the kernel's accounting of
   the finished process, wait4) paired in turn with `avahi-browse --version` (target: wall <= 20 ms, CPU <= 3x).
3. daemon exec -> first `200` from GET /healthz, median of --runs (target <= 100 ms), SIGTERM -> exit, and the
   idle RSS of a bare daemon; koi with --no-mdns on loopback, nginx with one worker serving `return 200` beside it.
4. idle RSS of the daemon as users run it: in a lab of network namespaces (root; nothing reaches the machine's own
   network), every capability on (a CA created, a DNS entry, a health check, a proxy entry in front of a small HTTP server) and --services
   services announced by avahi on another lab host; RSS from /proc/PID/smaps_rollup after --idle seconds
   (target <= 30 MB), avahi-daemon's beside it; from the daemon's GET /metrics (koi_process_*), the bytes it
   allocated while the services appeared, its GC collections, and its allocation rate over --lab-quiet more seconds
   of idling. --no-lab skips this part.

Every process started here is stopped here, by pid.
"""
import argparse, http.client, os, signal, socket, statistics, subprocess, sys, tempfile, time

from benchproc import koi_memory

MB, MIB = 1_000_000, 1_048_576


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(port, path, proc, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"process exited early with {proc.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", path)
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.002)
    raise TimeoutError("not ready")


def rss_kib(pids):
    total = 0
    for pid in pids:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total


def smaps_rollup_kib(pid):
    """Rss and its parts (anonymous, file-backed) from /proc/PID/smaps_rollup, in KiB."""
    fields = {}
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            parts = line.split()
            if len(parts) == 3 and parts[2] == "kB":
                fields[parts[0].rstrip(":")] = int(parts[1])
    return fields


def children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


def run_once(cmd):
    """Wall seconds, CPU seconds (user + sys) and peak RSS (KiB) of one whole process, from wait4."""
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd} exited with {proc.returncode}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss


def version_pairs(koi, runs):
    """koi version and avahi-browse --version in turn (A B A B ...), one warm-up each, ratios taken pair by pair."""
    run_once([koi, "version"]), run_once(["avahi-browse", "--version"])
    pairs = [(run_once([koi, "version"]), run_once(["avahi-browse", "--version"])) for _ in range(runs)]
    return pairs


def measure(start, path, runs, idle_secs):
    ready, stop, rss = [], [], []
    for i in range(runs):
        port = free_port()
        t0 = time.monotonic()
        proc, cleanup = start(port)
        try:
            wait_ready(port, path, proc)
            ready.append(time.monotonic() - t0)
            if i == 0:
                time.sleep(idle_secs)
                rss.append(rss_kib([proc.pid] + children(proc.pid)))
            t1 = time.monotonic()
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=15)
            stop.append(time.monotonic() - t1)
        finally:
            if proc.poll() is None:
                proc.kill(); proc.wait()
            cleanup()
    return statistics.median(ready), max(ready), statistics.median(stop), max(stop), rss[0]


def start_koi(binary):
    def start(port):
        data = tempfile.mkdtemp(prefix="koi-bench-")
        proc = subprocess.Popen([binary, "daemon", "--no-mdns", "--http-bind", "127.0.0.1", "--http-port", str(port), "--data-dir", data,
                                 "--log-level", "warn"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return proc, lambda: subprocess.run(["rm", "-rf", data])
    return start


def start_nginx(port):
    work = tempfile.mkdtemp(prefix="nginx-bench-")
    conf = os.path.join(work, "nginx.conf")
    with open(conf, "w") as f:
        f.write(f"""worker_processes 1; pid {work}/nginx.pid; error_log {work}/error.log;
events {{ worker_connections 64; }}
http {{ access_log off; client_body_temp_path {work}; proxy_temp_path {work}; fastcgi_temp_path {work};
  uwsgi_temp_path {work}; scgi_temp_path {work};
  server {{ listen 127.0.0.1:{port}; location /healthz {{ return 200 "ok"; }} }} }}
""")
    proc = subprocess.Popen(["nginx", "-c", conf, "-p", work, "-g", "daemon off;"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return proc, lambda: subprocess.run(["rm", "-rf", work])


LAB = "bench-startup"


def lab(*args, check=True):
    result = subprocess.run(["scripts/lab", "--name", LAB, *args], capture_output=True, text=True, timeout=120)
    if check and result.returncode != 0:
        raise RuntimeError(f"lab {' '.join(args)} failed: {result.stderr.strip()}")
    return result


def lab_idle_rss(koi, services, idle, daemon_env, quiet):
    """RSS of a koi daemon with every capability on and `services` avahi services on the LAN, and of the
    avahi-daemon that announces them, after `idle` seconds; the daemon's GC figures (GET /metrics) just before the
    services appear, after `idle` seconds and after `quiet` more seconds (its idle allocation rate)."""
    env = ["env", "KOI_DATA_DIR=/var/lib/koi", "KOI_CERTMESH_NO_TRUST_STORES=1"]
    lab("down", check=False)
    try:
        lab("up", "1")
        lab("add", "crowd")
        lab("avahi", "crowd")
        pid = int(lab("bg", "stone-a", "koi", "--", *env, *daemon_env, koi, "daemon", "--log-level", "warn").stdout.split()[-1])
        deadline = time.monotonic() + 30
        while lab("run", "stone-a", "--", "curl", "-sf", "-o", "/dev/null", "http://127.0.0.1:5641/healthz", check=False).returncode != 0:
            if time.monotonic() > deadline:
                raise RuntimeError("the lab daemon did not answer /healthz")
            time.sleep(0.2)
        lab("run", "stone-a", "--", "sh", "-c", "mkdir -p /var/lib/koi-www; umask 077; echo 'bench ceremony passphrase 2026' > /var/lib/koi-pass")
        lab("bg", "stone-a", "backend", "--", "python3", "-m", "http.server", "--bind", "127.0.0.1", "3000", "--directory", "/var/lib/koi-www")
        for cmd in (["certmesh", "create", "--profile", "just-me", "--passphrase-file", "/var/lib/koi-pass"],
                    ["dns", "add", "nas", "10.77.0.200"],
                    ["health", "add", "api", "--tcp", "127.0.0.1:5641", "--interval", "30s"],
                    ["proxy", "add", "web", "--listen", "8443", "--backend", "http://localhost:3000"]):
            lab("run", "stone-a", "--timeout", "60", "--", *env, koi, *cmd)
        scrape = lambda: koi_memory(lab("run", "stone-a", "--", "curl", "-sf", "http://127.0.0.1:5641/metrics").stdout, pid)
        before = scrape()
        publishers = [int(lab("bg", "crowd", f"svc{i}", "--", "avahi-publish", "-s", f"Crowd {i}", f"_crowd{i % 10}._tcp",
                              str(10000 + i)).stdout.split()[-1]) for i in range(services)]
        time.sleep(idle)
        smaps = smaps_rollup_kib(pid)
        after = scrape()
        time.sleep(quiet)
        later = scrape()
        status = lab("run", "stone-a", "--", *env, koi, "status", "--json").stdout
        # pgrep sees every avahi-daemon of the machine (other labs too): keep the one in crowd's network namespace.
        crowd_net = os.readlink(f"/proc/{publishers[0]}/ns/net") if publishers else None
        avahi = [p for p in map(int, subprocess.run(["pgrep", "-x", "avahi-daemon"], capture_output=True, text=True).stdout.split())
                 if os.readlink(f"/proc/{p}/ns/net") == crowd_net]
        return smaps, max(rss_kib(avahi), 1), status, (before, after, later)
    finally:
        lab("down", check=False)


def verdict(ok):
    return "met" if ok else "NOT met"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--koi", default="artifacts/publish/koi")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--version-runs", type=int, default=20)
    parser.add_argument("--idle", type=float, default=5.0, help="seconds idle before reading the bare daemon's RSS")
    parser.add_argument("--services", type=int, default=50)
    parser.add_argument("--lab-idle", type=float, default=30.0, help="seconds the lab daemon idles with the services")
    parser.add_argument("--lab-quiet", type=float, default=60.0,
                        help="seconds more after --lab-idle over which the lab daemon's idle allocation rate is measured")
    parser.add_argument("--no-lab", action="store_true")
    parser.add_argument("--daemon-env", action="append", default=[], metavar="NAME=VALUE",
                        help="environment of the lab daemon, e.g. DOTNET_GCgen0size=0x600000 (repeatable)")
    args = parser.parse_args()
    koi = os.path.abspath(args.koi)
    print(f"load average before: {os.getloadavg()}")

    size = os.path.getsize(koi)
    pairs = version_pairs(koi, args.version_runs)
    k_wall = statistics.median(a[0] for a, _ in pairs)
    k_cpu = statistics.median(a[1] for a, _ in pairs)
    a_cpu = statistics.median(b[1] for _, b in pairs)
    k_peak = statistics.median(a[2] for a, _ in pairs)
    # Pair by pair; avahi-browse can take less than the kernel's accounting tick, so a pair is skipped if it read 0.
    ratios = [a[1] / b[1] for a, b in pairs if b[1] > 0]
    cpu_ratio = statistics.median(ratios) if ratios else float("nan")
    koi_d = measure(start_koi(koi), "/healthz", args.runs, args.idle)
    ngx = measure(start_nginx, "/healthz", args.runs, args.idle)
    lab_rss = None if args.no_lab else lab_idle_rss(koi, args.services, args.lab_idle, args.daemon_env, args.lab_quiet)

    rows = [
        ("binary (linux-x64)", f"{size / MB:.1f} MB ({size / MIB:.1f} MiB)", "", "", "<= 30 MB", verdict(size <= 30 * MB)),
        (f"koi version, wall, median of {len(pairs)}", f"{k_wall * 1000:.1f} ms", f"{statistics.median(b[0] for _, b in pairs) * 1000:.1f} ms",
         "", "<= 20 ms", verdict(k_wall <= 0.020)),
        ("koi version, CPU (user+sys), median", f"{k_cpu * 1000:.1f} ms", f"{a_cpu * 1000:.1f} ms",
         f"{cpu_ratio:.2f}x ({len(ratios)} pairs)", "<= 3x", verdict(cpu_ratio <= 3)),
        ("koi version, peak RSS, median", f"{k_peak / 1024:.1f} MiB", "", "", "", ""),
        (f"exec -> /healthz 200, median of {args.runs}", f"{koi_d[0] * 1000:.1f} ms", f"{ngx[0] * 1000:.1f} ms",
         f"{koi_d[0] / ngx[0]:.1f}x", "<= 100 ms", verdict(koi_d[0] <= 0.100)),
        ("exec -> /healthz 200, max", f"{koi_d[1] * 1000:.1f} ms", f"{ngx[1] * 1000:.1f} ms", "", "", ""),
        ("SIGTERM -> exit, median (max)", f"{koi_d[2] * 1000:.1f} ms ({koi_d[3] * 1000:.0f})", f"{ngx[2] * 1000:.1f} ms", "", "", ""),
        (f"idle RSS after {args.idle:g} s, --no-mdns, loopback", f"{koi_d[4] / 1024:.1f} MiB", f"{ngx[4] / 1024:.1f} MiB", "", "", ""),
    ]
    if lab_rss:
        smaps, avahi_kib, _, (before, after, later) = lab_rss
        rss = smaps["Rss"] * 1024
        label = f"idle RSS, all capabilities, {args.services} services (lab)" + (f", {' '.join(args.daemon_env)}" if args.daemon_env else "")
        rows.append((label,
                     f"{rss / MIB:.1f} MiB ({rss / MB:.1f} MB)", f"{avahi_kib / 1024:.1f} MiB", f"{rss / (avahi_kib * 1024):.1f}x",
                     "<= 30 MB", verdict(rss <= 30 * MB)))
        rows.append(("  of it anonymous / file-backed", f"{smaps.get('Anonymous', 0) / 1024:.1f} / "
                     f"{(smaps['Rss'] - smaps.get('Anonymous', 0)) / 1024:.1f} MiB", "", "", "", ""))
        burst = after["allocated_mib"] - before["allocated_mib"]
        rows.append((f"  allocated while the services appeared ({args.lab_idle:g} s)",
                     f"{burst:.1f} MiB ({burst * MIB / max(args.services, 1) / 1024:.0f} KiB per service)", "", "", "", ""))
        rows.append((f"  GC collections gen0/1/2 then (start -> +{args.lab_idle:g} s)",
                     f"{before['gen0']}/{before['gen1']}/{before['gen2']} -> {after['gen0']}/{after['gen1']}/{after['gen2']}, heap {after['heap_mib']:.1f} MiB", "", "", "", ""))
        quiet = later["allocated_mib"] - after["allocated_mib"]
        rows.append((f"  idle allocation over the next {args.lab_quiet:g} s",
                     f"{quiet * 1024 / max(args.lab_quiet, 1) * 60:.0f} KiB/min; RSS then {later['rss_mib']:.1f} MiB "
                     f"({later['anon_mib']:.1f} anonymous), gen0 {later['gen0']}", "", "", "", ""))

    print(f"load average after: {os.getloadavg()}")
    print("yardsticks: avahi-browse --version (koi version rows), nginx 1 worker (daemon rows), avahi-daemon announcing the services (lab row)")
    header = ("figure", "koi", "yardstick", "koi/yardstick", "target", "")
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(6)]
    for r in [header] + rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip())


if __name__ == "__main__":
    sys.exit(main())
