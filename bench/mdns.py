#!/usr/bin/env python3
"""mDNS figures for koi next to avahi, measured the same way in the same run, in a lab of network namespaces
(needs root; nothing reaches the machine's own network).

    python3 bench/mdns.py [--koi artifacts/publish/koi] [--runs 5] [--services 50] [--idle 60]

1. announce -> visible: from starting the announce command on stone-a until avahi-browse on the observer
   resolves it (probing included); the same for avahi-publish on the beacon host.
2. discover -> first result: `koi mdns discover TYPE` (daemon running) vs `avahi-browse -r -p TYPE` until the
   first resolved line, for a service that exists.
3. idle CPU: koi daemon vs avahi-daemon over --idle seconds while --services services live on the LAN.
"""
import argparse, os, statistics, subprocess, sys, time

KOI = None


def lab(*args, check=True, capture=True):
    result = subprocess.run(["scripts/lab", "--name", "bench-mdns", *args], capture_output=capture, text=True)
    if check and result.returncode != 0:
        raise RuntimeError(f"lab {' '.join(args)} failed: {result.stderr}")
    return result


def start(host, cmd, timeout):
    """Starts cmd on host, line-buffered, its stdout readable as it comes."""
    proc = subprocess.Popen(["scripts/lab", "--name", "bench-mdns", "run", host, "--timeout", str(int(timeout) + 2),
                             "--", "stdbuf", "-oL", *cmd], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    return proc


def wait_line(proc, predicate, started, timeout):
    deadline = started + timeout
    os.set_blocking(proc.stdout.fileno(), False)
    buffer = ""
    while time.monotonic() < deadline:
        chunk = proc.stdout.read()
        if chunk:
            buffer += chunk.decode(errors="replace")
            for line in buffer.splitlines():
                if predicate(line):
                    return time.monotonic() - started
        time.sleep(0.005)
    return None


def stop(proc):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def announce_visible(run, koi):
    service_type = f"_ann{run}{'k' if koi else 'a'}._tcp"
    instance = f"Bench {run}"
    browser = start("observer", ["avahi-browse", "-p", "-r", service_type], 15)
    time.sleep(1.0)  # let the browser start before the clock does
    started = time.monotonic()
    if koi:
        announcer = subprocess.Popen(["scripts/lab", "--name", "bench-mdns", "run", "stone-a", "--", "env",
                                      "KOI_DATA_DIR=/var/lib/koi", KOI, "mdns", "announce", instance, service_type, "9000",
                                      "--detach"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    else:
        announcer = subprocess.Popen(["scripts/lab", "--name", "bench-mdns", "run", "beacon", "--timeout", "20", "--",
                                      "avahi-publish", "-s", instance, service_type, "9000"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seconds = wait_line(browser, lambda l: l.startswith("=") and "Bench\\032" in l, started, 15)
    stop(browser)
    if not koi:
        stop(announcer)
    else:
        announcer.wait(20)
    return seconds


def discover_first(koi, api=False):
    started = time.monotonic()
    if api:
        # The daemon's engine without the CLI process start-up: the SSE stream of the HTTP API.
        # Every management route needs the daemon token, read here from the breadcrumb as the CLI does.
        token = "$(python3 -c 'import json;print(json.load(open(\"/var/lib/koi/daemon.json\"))[\"token\"])')"
        proc = start("stone-b", ["sh", "-c", f"exec curl -sN -H 'accept: text/event-stream' -H \"x-koi-token: {token}\" "
                                 "'http://127.0.0.1:5641/v1/mdns/discover?type=_koilab._tcp&timeout=10'"], 10)
        predicate = lambda l: l.startswith("event: resolved")
    elif koi:
        proc = start("stone-b", ["env", "KOI_DATA_DIR=/var/lib/koi", KOI, "mdns", "discover", "_koilab._tcp",
                                 "--timeout", "10", "--json"], 10)
        predicate = lambda l: '"resolved"' in l
    else:
        proc = start("observer", ["avahi-browse", "-p", "-r", "_koilab._tcp"], 10)
        predicate = lambda l: l.startswith("=")
    seconds = wait_line(proc, predicate, started, 10)
    stop(proc)
    return seconds


def cpu_ticks(host, pattern):
    # pgrep sees every process of the machine (other labs' daemons too): keep those in this host's network namespace,
    # and not the shell itself, whose command line holds the pattern.
    script = (f"me=$(readlink /proc/self/ns/net); for p in $(pgrep -f '{pattern}'); do "
              f'[ "$p" != "$$" ] && [ "$(readlink /proc/$p/ns/net)" = "$me" ] && cut -d" " -f14,15 /proc/$p/stat; done; true')
    out = lab("run", host, "--", "sh", "-c", script).stdout
    return sum(int(a) + int(b) for a, b in (line.split() for line in out.split("\n") if line.strip()))


def main():
    global KOI
    parser = argparse.ArgumentParser()
    parser.add_argument("--koi", default="artifacts/publish/koi")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--services", type=int, default=50)
    parser.add_argument("--idle", type=float, default=120)
    args = parser.parse_args()
    KOI = os.path.abspath(args.koi)
    lab("down", check=False)
    try:
        lab("up", "2")
        for host in ["observer", "beacon", "crowd"]:
            lab("add", host)
        for host in ["observer", "beacon", "crowd"]:
            lab("avahi", host)
        lab("bg", "beacon", "koilab", "--", "avahi-publish", "-s", "Koi Lab Beacon", "_koilab._tcp", "4242")
        for host in ["stone-a", "stone-b"]:
            lab("bg", host, "koi", "--", KOI, "daemon", "--data-dir", "/var/lib/koi")
        time.sleep(4)

        koi_ann = [announce_visible(i, True) for i in range(args.runs)]
        avahi_ann = [announce_visible(i, False) for i in range(args.runs)]
        koi_disc = [discover_first(True) for _ in range(args.runs)]
        api_disc = [discover_first(True, api=True) for _ in range(args.runs)]
        avahi_disc = [discover_first(False) for _ in range(args.runs)]

        for i in range(args.services):
            lab("bg", "crowd", f"svc{i}", "--", "avahi-publish", "-s", f"Crowd {i}", f"_crowd{i % 10}._tcp", str(10000 + i))
        # Let the crowd settle and the runtime finish tiering up its hot code (the first ~2 minutes of a .NET process).
        time.sleep(30)
        koi0, avahi0 = cpu_ticks("stone-b", "koi daemon"), cpu_ticks("observer", "avahi-daemon")
        time.sleep(args.idle)
        koi1, avahi1 = cpu_ticks("stone-b", "koi daemon"), cpu_ticks("observer", "avahi-daemon")
        hz = os.sysconf("SC_CLK_TCK")
        koi_cpu = (koi1 - koi0) / hz / args.idle * 100
        avahi_cpu = (avahi1 - avahi0) / hz / args.idle * 100

        def med(values):
            ok = [v for v in values if v is not None]
            return (statistics.median(ok) * 1000 if ok else float("nan")), len(values) - len(ok)

        print(f"{'':34}{'koi':>10}{'avahi':>10}{'koi/avahi':>11}")
        for name, k, a in [("announce -> visible, median (ms)", med(koi_ann), med(avahi_ann)),
                           ("discover -> first result, median (ms)", med(koi_disc), med(avahi_disc)),
                           ("  same, HTTP API (no CLI start-up)", med(api_disc), med(avahi_disc))]:
            print(f"{name:34}{k[0]:10.0f}{a[0]:10.0f}{k[0] / a[0]:10.2f}x   (misses: koi {k[1]}, avahi {a[1]})")
        ratio = koi_cpu / avahi_cpu if avahi_cpu > 0 else float("inf")
        print(f"{'idle CPU, %d services (%% of a core)' % args.services:34}{koi_cpu:10.2f}{avahi_cpu:10.2f}{ratio:10.2f}x")
    finally:
        lab("down", check=False)


if __name__ == "__main__":
    sys.exit(main())
