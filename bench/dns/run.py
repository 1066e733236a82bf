#!/usr/bin/env python3
"""koi's DNS resolver next to dnsmasq, same 100 local names, same machine, same load, same run (issue 7).

    python3 bench/dns/run.py [--seconds 10] [--latency-qps 20000] [--host-dll PATH]

Loopback only: koi on 127.0.78.10, dnsmasq (local names) on 127.0.78.20, dnsmasq (forwarding target) on
127.0.78.30, all on free high ports, none reading resolv.conf or hosts. Every process started here is stopped here,
by pid. koi runs as bench/dns/host (the DNS capability behind its HTTP API, Release build); its per-client rate
limit is raised for the run, since dnsperf is one client.

Prints, for each: max qps (dnsperf, 10 s, 100 outstanding), lost queries, and p50/p99 latency at a fixed load
(--latency-qps, from dnsperf -v); then koi/dnsmasq qps ratio, and the forwarding overhead: p99 of querying koi for a
forwarded name minus p99 of querying the upstream directly.
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

def throughput(address, port, datafile, seconds):
    out = subprocess.run(["dnsperf", "-s", address, "-p", str(port), "-d", datafile, "-l", str(seconds), "-q", "100",
                          "-c", "4", "-T", "1", "-t", "2"], capture_output=True, text=True).stdout
    qps = float(re.search(r"Queries per second:\s+([\d.]+)", out).group(1))
    lost = int(re.search(r"Queries lost:\s+(\d+)", out).group(1))
    sent = int(re.search(r"Queries sent:\s+(\d+)", out).group(1))
    return qps, lost, sent

def latency(address, port, datafile, seconds, qps):
    out = subprocess.run(["dnsperf", "-s", address, "-p", str(port), "-d", datafile, "-l", str(seconds), "-Q", str(qps),
                          "-q", "200", "-t", "2", "-v"], capture_output=True, text=True).stdout
    values = sorted(float(m.group(1)) for m in re.finditer(r"^> \S+ \S+ \S+ ([\d.]+)$", out, re.M))
    if not values: raise RuntimeError("dnsperf -v printed no latencies:\n" + out[-2000:])
    pick = lambda q: values[min(len(values) - 1, int(q * len(values)))] * 1000
    return pick(0.50), pick(0.99), len(values)

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--latency-qps", type=int, default=20000)
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

            # Warm koi's JIT the same way before measuring.
            throughput(koi_addr, koi_port, local_file, 3)
            rows = {}
            for label, addr, port in (("koi", koi_addr, koi_port), ("dnsmasq", local_addr, local_port)):
                qps, lost, sent = throughput(addr, port, local_file, a.seconds)
                p50, p99, n = latency(addr, port, local_file, 5, a.latency_qps)
                rows[label] = (qps, lost, sent, p50, p99, n)
            up_p50, up_p99, _ = latency(up_addr, up_port, fwd_file, 5, min(a.latency_qps, 5000))
            fw_p50, fw_p99, _ = latency(koi_addr, koi_port, fwd_file, 5, min(a.latency_qps, 5000))
            status = api(http_port, "GET", "/v1/dns/status")
        finally:
            for p in reversed(procs): stop(p)

    print(f"nproc {os.cpu_count()}, {a.seconds} s per throughput run, 100 outstanding; latency at {a.latency_qps} qps")
    print(f"{'':10} {'max qps':>10} {'lost':>8} {'sent':>10} {'p50 ms':>8} {'p99 ms':>8}")
    for label, (qps, lost, sent, p50, p99, n) in rows.items():
        print(f"{label:10} {qps:10.0f} {lost:8d} {sent:10d} {p50:8.3f} {p99:8.3f}")
    print(f"koi/dnsmasq qps ratio: {rows['koi'][0] / rows['dnsmasq'][0]:.2f} (target >= 1.2)")
    print(f"forwarding: upstream direct p50 {up_p50:.3f} ms p99 {up_p99:.3f} ms; via koi p50 {fw_p50:.3f} ms p99 {fw_p99:.3f} ms; "
          f"overhead p99 {fw_p99 - up_p99:.3f} ms (target <= 1 ms)")
    print(f"koi counters: {status['counters']}")

if __name__ == "__main__":
    main()
