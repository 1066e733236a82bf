#!/usr/bin/env python3
"""koi's DNS resolver next to dnsmasq, same 100 local names, same machine, same load, same run (issue 7).

    python3 bench/dns/run.py [--rounds 3] [--seconds 10] [--latency-qps 20000] [--latency-seconds 5] [--host-dll PATH]

Loopback only: koi on 127.0.78.10, dnsmasq (local names) on 127.0.78.20, dnsmasq (forwarding target) on
127.0.78.30, all on free high ports, none reading resolv.conf or hosts. Every process started here is stopped here,
by pid. koi runs as bench/dns/host (the DNS capability behind its HTTP API, Release build); its per-client rate
limit is raised for the run, since dnsperf is one client.

Each round measures, one after the other: koi and dnsmasq max qps (dnsperf, 100 outstanding), lost queries and
p50/p99 latency at a fixed load (--latency-qps, from dnsperf -v); then the forwarding overhead, p99 of querying koi for
a forwarded name minus p99 of querying the upstream directly, both running at the same time (each at most 5,000 qps). Prints every round with the load
average, then the range of the koi/dnsmasq ratio and of the overhead across rounds. Beside max qps it prints the
server's CPU time per answered query (from /proc, all threads) and how busy dnsperf itself was (in cores): when dnsperf
uses a whole core, it, not the server, sets the max qps, and CPU per query is the fairer comparison.
"""
import argparse, json, os, re, shutil, signal, socket, statistics, subprocess, sys, tempfile, time, urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NAMES = [f"host-{i:03d}.lan" for i in range(100)]
ADDR = {n: f"10.50.{i // 250}.{i % 250 + 1}" for i, n in enumerate(NAMES)}

def free_port(address):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u, socket.socket() as t:
        u.bind((address, 0)); port = u.getsockname()[1]
        t.bind((address, port))
        return port

def start(cmd, **kw):
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True, **kw)

def stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try: proc.wait(5)
        except subprocess.TimeoutExpired: proc.kill(); proc.wait()

def dnsmasq(address, port, extra, tmp):
    return start(["/usr/sbin/dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null", "--no-resolv", "--no-hosts",
                  "--bind-interfaces", f"--listen-address={address}", f"--port={port}", "--user=root", "--group=root",
                  f"--pid-file={tmp}/dnsmasq-{port}.pid", "--cache-size=0", *extra])

def api(port, method, path, body=None):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method,
                                 data=None if body is None else json.dumps(body).encode(),
                                 headers={"content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read() or b"null")

def wait_http(port, proc, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("bench host exited: " + proc.stderr.read().decode())
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1); return
        except OSError: time.sleep(0.05)
    raise TimeoutError("bench host not ready")

def wait_dns(address, port, name):
    for _ in range(200):
        out = subprocess.run(["dig", f"@{address}", "-p", str(port), "+short", "+tries=1", "+time=1", name],
                             capture_output=True, text=True).stdout.strip()
        if out: return
        time.sleep(0.05)
    raise TimeoutError(f"{address}:{port} does not answer {name}")

def cpu_seconds(pid):
    """utime + stime of a process (all its threads), from /proc."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

def throughput(address, port, datafile, seconds, server_pid=None):
    """Max qps, lost, sent; and the CPU seconds the server and dnsperf each spent on it."""
    server_before = cpu_seconds(server_pid) if server_pid else 0.0
    proc = subprocess.Popen(["dnsperf", "-s", address, "-p", str(port), "-d", datafile, "-l", str(seconds), "-q", "100",
                             "-c", "4", "-T", "1", "-t", "2"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    out = proc.stdout.read()
    _, _, usage = os.wait4(proc.pid, 0)
    proc.returncode = 0
    server_cpu = (cpu_seconds(server_pid) - server_before) if server_pid else 0.0
    qps = float(re.search(r"Queries per second:\s+([\d.]+)", out).group(1))
    lost = int(re.search(r"Queries lost:\s+(\d+)", out).group(1))
    sent = int(re.search(r"Queries sent:\s+(\d+)", out).group(1))
    return qps, lost, sent, server_cpu, usage.ru_utime + usage.ru_stime

def latency_args(address, port, datafile, seconds, qps):
    return ["dnsperf", "-s", address, "-p", str(port), "-d", datafile, "-l", str(seconds), "-Q", str(qps),
            "-q", "200", "-t", "2", "-v"]

def percentiles(out):
    values = sorted(float(m.group(1)) for m in re.finditer(r"^> \S+ \S+ \S+ ([\d.]+)$", out, re.M))
    if not values: raise RuntimeError("dnsperf -v printed no latencies:\n" + out[-2000:])
    pick = lambda q: values[min(len(values) - 1, int(q * len(values)))] * 1000
    return pick(0.50), pick(0.99), len(values)

def latency(address, port, datafile, seconds, qps):
    return percentiles(subprocess.run(latency_args(address, port, datafile, seconds, qps), capture_output=True, text=True).stdout)

def latency_side_by_side(a, b, datafile, seconds, qps):
    """Two dnsperf runs at the same time, so both see the same machine: a=(address, port), b=(address, port)."""
    # Each dnsperf writes to its own file, not a pipe: with -v it prints a line per answer, and a pipe nobody reads
    # yet fills in a fraction of a second and stalls that dnsperf's receive thread, so its answers would be
    # timestamped late (this produced a "4 s late" forwarding outlier before).
    with tempfile.TemporaryFile("w+") as out_a, tempfile.TemporaryFile("w+") as out_b:
        procs = [subprocess.Popen(latency_args(addr, port, datafile, seconds, qps), stdout=out,
                                  stderr=subprocess.DEVNULL, text=True) for (addr, port), out in ((a, out_a), (b, out_b))]
        for p in procs: p.wait(timeout=seconds + 30)
        results = []
        for out in (out_a, out_b):
            out.seek(0); results.append(percentiles(out.read()))
        return results

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--latency-qps", type=int, default=20000)
    ap.add_argument("--latency-seconds", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--host-dll", default=os.path.join(REPO, "bench/dns/host/bin/Release/net10.0/DnsBenchHost.dll"))
    a = ap.parse_args()
    for tool in ("dnsperf", "dig", "/usr/sbin/dnsmasq"):
        if not shutil.which(tool): sys.exit(f"{tool} missing (scripts/install-test-deps.sh)")
    if not os.path.exists(a.host_dll):
        subprocess.run(["dotnet", "build", os.path.join(REPO, "bench/dns/host"), "-c", "Release", "-v", "quiet", "-nologo"], check=True)

    koi_addr, local_addr, up_addr = "127.0.78.10", "127.0.78.20", "127.0.78.30"
    koi_port, local_port, up_port = free_port(koi_addr), free_port(local_addr), free_port(up_addr)
    http_port = free_port("127.0.0.1")
    procs = []
    with tempfile.TemporaryDirectory() as tmp:
        try:
            local = dnsmasq(local_addr, local_port, [f"--host-record={n},{ADDR[n]}" for n in NAMES], tmp); procs.append(local)
            upstream = dnsmasq(up_addr, up_port, ["--address=/fwd.test/10.77.0.250"], tmp); procs.append(upstream)
            host = start(["dotnet", a.host_dll, os.path.join(tmp, "koi"), str(http_port)]); procs.append(host)
            wait_http(http_port, host)
            api(http_port, "POST", "/v1/dns/serve", {"port": koi_port, "listen": [koi_addr], "upstreams": [f"{up_addr}:{up_port}"],
                                                      "rate_limit_qps": 100_000_000, "rate_limit_burst": 100_000_000})
            for n in NAMES:
                api(http_port, "POST", "/v1/dns/entries", {"name": n, "address": ADDR[n]})
            wait_dns(koi_addr, koi_port, NAMES[-1]); wait_dns(local_addr, local_port, NAMES[-1]); wait_dns(up_addr, up_port, "fwd.test")

            local_file = os.path.join(tmp, "local.txt"); fwd_file = os.path.join(tmp, "fwd.txt")
            with open(local_file, "w") as f: f.writelines(f"{n} A\n" for n in NAMES)
            with open(fwd_file, "w") as f: f.writelines(f"n{i}.fwd.test A\n" for i in range(100))

            # Warm koi's JIT the same way before measuring: both the zone path and the forwarding path.
            load_before = os.getloadavg()
            throughput(koi_addr, koi_port, local_file, 3)
            throughput(koi_addr, koi_port, fwd_file, 2)
            # Other load on the machine changes from minute to minute, so koi and dnsmasq take turns, round after
            # round, and each round's ratio compares two measurements taken seconds apart.
            rounds = []
            for r in range(a.rounds):
                row = {}
                for label, addr, port, pid in (("koi", koi_addr, koi_port, host.pid), ("dnsmasq", local_addr, local_port, local.pid)):
                    qps, lost, sent, server_cpu, dnsperf_cpu = throughput(addr, port, local_file, a.seconds, pid)
                    p50, p99, n = latency(addr, port, local_file, a.latency_seconds, a.latency_qps)
                    # CPU per answered query: what the server costs, whatever else the machine is doing.
                    row[label] = (qps, lost, sent, p50, p99, n, server_cpu / max(1, sent - lost) * 1e6, dnsperf_cpu / a.seconds)
                fwd_qps = min(a.latency_qps, 5000)
                # Direct and via koi at the same time, each at the same rate: the difference is koi's, not the machine's.
                row["upstream direct"], row["forwarded via koi"] = latency_side_by_side(
                    (up_addr, up_port), (koi_addr, koi_port), fwd_file, a.latency_seconds, fwd_qps)
                row["load"] = os.getloadavg()[0]
                rounds.append(row)
            status = api(http_port, "GET", "/v1/dns/status")
            load_after = os.getloadavg()
        finally:
            for p in reversed(procs): stop(p)

    fwd_qps = min(a.latency_qps, 5000)
    print(f"nproc {os.cpu_count()}; {a.rounds} rounds; per round: max qps over {a.seconds} s (100 outstanding), "
          f"latency over {a.latency_seconds} s at {a.latency_qps} qps (forwarding at {fwd_qps} qps)")
    print("load average before: %.2f %.2f %.2f; after: %.2f %.2f %.2f" % (*load_before, *load_after))
    print(f"{'round':>5} {'load':>5} {'':9} {'max qps':>9} {'lost':>6} {'p50 ms':>7} {'p99 ms':>7} {'cpu us/q':>8} {'dnsperf cpu':>11}")
    ratios, overheads, cpu_ratios = [], [], []
    for i, row in enumerate(rounds, 1):
        for label in ("koi", "dnsmasq"):
            qps, lost, sent, p50, p99, n, us_per_query, dnsperf_cores = row[label]
            print(f"{i:5d} {row['load']:5.2f} {label:9} {qps:9.0f} {lost:6d} {p50:7.3f} {p99:7.3f} {us_per_query:8.2f} {dnsperf_cores:10.2f}c")
        up, fw = row["upstream direct"], row["forwarded via koi"]
        ratios.append(row["koi"][0] / row["dnsmasq"][0]); overheads.append(fw[1] - up[1])
        cpu_ratios.append(row["dnsmasq"][6] / row["koi"][6])
        print(f"{i:5d} {'':5} forwarding: direct p50 {up[0]:.3f} p99 {up[1]:.3f}; via koi p50 {fw[0]:.3f} p99 {fw[1]:.3f}; "
              f"overhead p99 {overheads[-1]:.3f} ms; koi/dnsmasq {ratios[-1]:.2f}")
    lost = sum(row[l][1] for row in rounds for l in ("koi", "dnsmasq"))
    print(f"koi/dnsmasq qps ratio: min {min(ratios):.2f} median {statistics.median(ratios):.2f} max {max(ratios):.2f} (target >= 1.2)")
    print(f"server CPU per query, dnsmasq/koi: min {min(cpu_ratios):.2f} median {statistics.median(cpu_ratios):.2f} max {max(cpu_ratios):.2f} "
          f"(> 1: koi spends less CPU per answer)")
    print(f"forwarding overhead p99: min {min(overheads):.3f} median {statistics.median(overheads):.3f} max {max(overheads):.3f} ms (target <= 1 ms)")
    print(f"lost queries: {lost}")
    print(f"koi counters: {status['counters']}")

if __name__ == "__main__":
    main()
