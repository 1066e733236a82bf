#!/usr/bin/env python3
"""koi's DNS resolver next to dnsmasq, measured the way users run koi (issue 18): the published binary, the full
daemon (every capability on, mDNS included), queried from another host of the lab over its veth.

    python3 bench/dns/run.py [--koi artifacts/publish/koi] [--rounds 5] [--seconds 8] [--rate 20000]
                             [--baseline PATH]   # another koi build, measured in the same rounds (before/after)

Needs root: it builds its own lab of network namespaces (scripts/lab, run "bench-dns"), so nothing reaches the
machine's own network and mDNS stays inside the lab.

  stone-a   `koi daemon` (all capabilities, `koi dns serve --port 53 --upstream <upstream>`, default listen
            addresses) and dnsmasq on port 5300 serving the same 100 names (host-record), as shipped otherwise
  stone-b   dnsperf, the client, over the veth
  upstream  dnsmasq answering *.fwd.test: the forwarding target
  stone-c   with --baseline: that koi build, set up the same way as stone-a's (its own lab host, the same veth path)

koi's per-client rate limit is raised for the run (dnsperf is one client); everything else is the daemon's default.
Each round measures koi and dnsmasq back to back (who goes first alternates from round to round, because the load of
other work on the machine changes from one minute to the next):
  - max qps: dnsperf, 200 outstanding, --seconds long;
  - CPU per answer at a fixed --rate q/s: the server's CPU time (/proc/PID/stat, all threads) over the answers
    dnsperf got, and the server's voluntary context switches (thread sleeps) per answer;
then the forwarding overhead: p99 via koi minus p99 straight to the upstream, both dnsperf streams at the same time.
The summary gives per-round ratios, the median of rounds, and for each target row whether it is met at the median.
"""
import argparse, os, re, shutil, statistics, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from benchproc import describe_memory, koi_memory  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LAB = "bench-dns"
NAMES = [f"host-{i:03d}.lan" for i in range(100)]
ADDR = {n: f"10.50.{i // 250}.{i % 250 + 1}" for i, n in enumerate(NAMES)}
DNSMASQ_PORT = 5300
FWD_QPS = 5000


def lab(*args, check=True, timeout=120):
    result = subprocess.run([os.path.join(REPO, "scripts/lab"), "--name", LAB, *args], capture_output=True, text=True,
                            timeout=timeout, cwd=REPO)
    if check and result.returncode != 0:
        raise RuntimeError(f"lab {' '.join(args)} failed ({result.returncode}): {result.stdout}{result.stderr}")
    return result


def on(host, *cmd, timeout=60, check=True):
    return lab("run", host, "--timeout", str(timeout), "--", *cmd, check=check, timeout=timeout + 10)


def cpu_split(pid):
    """(utime, stime) of a process (all its threads) in seconds, from /proc (lab processes share the machine's pid
    space): the server's own code against the kernel's work for it."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) / os.sysconf("SC_CLK_TCK"), int(fields[12]) / os.sysconf("SC_CLK_TCK")


def switches(pid):
    """Voluntary context switches of all the process's threads: each is a thread going to sleep (and a wake-up later)."""
    total = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/status") as f:
                total += int(re.search(r"^voluntary_ctxt_switches:\s+(\d+)", f.read(), re.M).group(1))
        except (FileNotFoundError, ProcessLookupError):
            pass  # a thread that ended in between
    return total


def dnsperf(server, port, datafile, seconds, outstanding, rate=None, verbose=False, stdout=None):
    cmd = ["dnsperf", "-s", server, "-p", str(port), "-d", datafile, "-l", str(seconds), "-q", str(outstanding), "-t", "2"]
    if rate:
        cmd += ["-Q", str(rate)]
    if verbose:
        cmd += ["-v"]
    return subprocess.Popen([os.path.join(REPO, "scripts/lab"), "--name", LAB, "run", "stone-b", "--timeout",
                             str(seconds + 30), "--", *cmd], stdout=stdout or subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True, cwd=REPO)


def field(out, name):
    match = re.search(rf"{name}:\s+([\d.]+)", out)
    if not match:
        raise RuntimeError(f"dnsperf printed no '{name}':\n{out[-2000:]}")
    return float(match.group(1))


def measure(server, port, pid, datafile, seconds, rate=None):
    """One dnsperf run against a server: qps, answers, lost, and what the server spent on them. At a fixed rate also
    the latency dnsperf saw (mean, p50, p99): koi's UDP loop may hold back its next receive for a moment when queries
    come in fast (docs/dns.md), and what that costs in latency is part of the figure. dnsperf -v writes to a file (an
    unread pipe would stall it)."""
    with tempfile.TemporaryFile("w+") as out_file:
        (user0, sys0), sw0 = cpu_split(pid), switches(pid)
        proc = dnsperf(server, port, datafile, seconds, 200 if rate is None else 500, rate, verbose=rate is not None,
                       stdout=out_file)
        proc.wait(timeout=seconds + 60)
        (user1, sys1), sw = cpu_split(pid), switches(pid) - sw0
        user, system = user1 - user0, sys1 - sys0
        cpu = user + system
        out_file.seek(0)
        out = out_file.read()
    answers = field(out, "Queries completed")
    result = {"qps": field(out, "Queries per second"), "answers": answers, "lost": field(out, "Queries lost"),
              "us_per_answer": cpu / max(1, answers) * 1e6, "switches_per_answer": sw / max(1, answers),
              "cores": cpu / seconds, "sys_share": system / cpu if cpu else 0.0, "mean_ms": field(out, r"Average Latency \(s\)") * 1000}
    if rate is not None:
        result["p50_ms"], result["p99_ms"] = percentiles(out)
    return result


def percentiles(out):
    values = sorted(float(m.group(1)) for m in re.finditer(r"^> \S+ \S+ \S+ ([\d.]+)$", out, re.M))
    if not values:
        raise RuntimeError("dnsperf -v printed no latencies:\n" + out[-2000:])
    pick = lambda q: values[min(len(values) - 1, int(q * len(values)))] * 1000
    return pick(0.50), pick(0.99)


def forwarding(upstream_ip, koi_ip, datafile, seconds):
    """Straight to the upstream and via koi at the same time, so both see the same machine.
    Each dnsperf writes to its own file: a pipe nobody reads yet fills with -v's line per answer and stalls it."""
    with tempfile.TemporaryFile("w+") as direct, tempfile.TemporaryFile("w+") as via:
        procs = [dnsperf(upstream_ip, 53, datafile, seconds, 200, FWD_QPS, True, direct),
                 dnsperf(koi_ip, 53, datafile, seconds, 200, FWD_QPS, True, via)]
        for p in procs:
            p.wait(timeout=seconds + 60)
        result = []
        for out in (direct, via):
            out.seek(0)
            result.append(percentiles(out.read()))
        return result


def wait_answer(host, server, port, name, tries=100):
    for _ in range(tries):
        out = on(host, "dig", f"@{server}", "-p", str(port), "+short", "+tries=1", "+time=1", name, check=False).stdout
        if out.strip():
            return
        time.sleep(0.1)
    raise TimeoutError(f"{server}:{port} does not answer {name}")


def koi_cli(host, koi, *args, check=True):
    return on(host, "env", "KOI_DATA_DIR=/var/lib/koi", koi, *args, check=check)


def start_koi(host, koi, upstream_ip, env):
    """The daemon as users run it, serving DNS on port 53 with the 100 names; returns its pid."""
    pid = int(lab("bg", host, "koi", "--", "env", *env, koi, "daemon", "--data-dir", "/var/lib/koi").stdout)
    for _ in range(100):
        if koi_cli(host, koi, "status", check=False).returncode == 0:
            break
        time.sleep(0.2)
    koi_cli(host, koi, "dns", "serve", "--port", "53", "--upstream", upstream_ip,
            "--rate-limit", "100000000", "--rate-burst", "100000000")
    script = "; ".join(f"\"$KOI\" dns add {n.removesuffix('.lan')} {ADDR[n]} >/dev/null" for n in NAMES)
    on(host, "env", "KOI_DATA_DIR=/var/lib/koi", f"KOI={koi}", "sh", "-ec", script, timeout=300)
    ip = dict(line.split("\t")[:2] for line in lab("hosts").stdout.strip().splitlines())[host]
    wait_answer("stone-b", ip, 53, NAMES[-1])
    # `lab bg` runs env, which execs koi: the pid is the daemon's own.
    return pid


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--koi", default=os.path.join(REPO, "artifacts/publish/koi"))
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--seconds", type=int, default=8, help="length of each max-qps and fixed-rate run")
    ap.add_argument("--rate", type=int, default=20000, help="the fixed rate for CPU per answer (q/s)")
    ap.add_argument("--fwd-seconds", type=int, default=5)
    ap.add_argument("--baseline", help="another koi build (e.g. main's), measured the same way on stone-c in the same rounds")
    ap.add_argument("--koi-env", action="append", default=[], help="NAME=VALUE for --koi's daemon (experiments)")
    ap.add_argument("--baseline-env", action="append", default=[], help="NAME=VALUE for --baseline's daemon (experiments)")
    ap.add_argument("--keep", action="store_true", help="leave the lab up afterwards (for perf); take it down with "
                                                         "scripts/lab --name bench-dns down")
    a = ap.parse_args()
    koi = os.path.abspath(a.koi)
    if os.geteuid() != 0:
        sys.exit("needs root (the lab's network namespaces)")
    for tool in ("dnsperf", "dig", "dnsmasq"):
        if not shutil.which(tool):
            sys.exit(f"{tool} missing (scripts/install-test-deps.sh)")
    if not os.access(koi, os.X_OK):
        sys.exit(f"{koi} missing: dotnet publish src/Koi -c Release -r linux-x64 -o artifacts/publish")

    lab("down", check=False)
    work = tempfile.mkdtemp(prefix="koi-bench-dns-")
    try:
        lab("up", "2", "--owner", str(os.getpid()))
        lab("add", "upstream")
        ips = dict(line.split("\t")[:2] for line in lab("hosts").stdout.strip().splitlines())
        koi_ip, upstream_ip = ips["stone-a"], ips["upstream"]
        if a.baseline and not os.access(a.baseline, os.X_OK):
            sys.exit(f"{a.baseline} is not executable")

        upstream_pid = int(lab("bg", "upstream", "dnsmasq", "--", "dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null",
                               "--no-resolv", "--no-hosts", "--bind-interfaces", f"--listen-address={upstream_ip}",
                               "--user=root", "--group=root", "--pid-file=", "--address=/fwd.test/10.77.0.250").stdout)
        dnsmasq_pid = int(lab("bg", "stone-a", "dnsmasq", "--", "dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null",
                              "--no-resolv", "--no-hosts", "--bind-interfaces", f"--listen-address={koi_ip}",
                              f"--port={DNSMASQ_PORT}", "--user=root", "--group=root", "--pid-file=",
                              *[f"--host-record={n},{ADDR[n]}" for n in NAMES]).stdout)
        kois = [("koi", "stone-a", koi)] + ([("koi-base", "stone-c", os.path.abspath(a.baseline))] if a.baseline else [])
        servers = {}
        for label, host, binary in kois:
            if host != "stone-a":
                lab("add", host)
                ips = dict(line.split("\t")[:2] for line in lab("hosts").stdout.strip().splitlines())
            servers[label] = (host, ips[host], 53, start_koi(host, binary, upstream_ip, a.koi_env if label == "koi" else a.baseline_env))
        servers["dnsmasq"] = ("stone-a", koi_ip, DNSMASQ_PORT, dnsmasq_pid)
        wait_answer("stone-b", koi_ip, DNSMASQ_PORT, NAMES[-1])
        wait_answer("stone-b", upstream_ip, 53, "a.fwd.test")

        # The lab shares the machine's file system, so dnsperf on stone-b reads these directly.
        local_file, fwd_file = os.path.join(work, "local.txt"), os.path.join(work, "fwd.txt")
        with open(local_file, "w") as f:
            f.writelines(f"{n} A\n" for n in NAMES)
        with open(fwd_file, "w") as f:
            f.writelines(f"n{i}.fwd.test A\n" for i in range(100))

        for _, ip, port, pid in servers.values():  # the same warm-up for all
            measure(ip, port, pid, local_file, 2)
        measure(koi_ip, 53, servers["koi"][3], fwd_file, 2, FWD_QPS)

        load_before = os.getloadavg()
        rounds = []
        for r in range(a.rounds):
            row = {"load": os.getloadavg()[0]}
            order = list(servers) if r % 2 == 0 else list(reversed(servers))
            for name in order:
                _, ip, port, pid = servers[name]
                row[name] = {"max": measure(ip, port, pid, local_file, a.seconds),
                             "fixed": measure(ip, port, pid, local_file, a.seconds, a.rate)}
            row["direct"], row["via koi"] = forwarding(upstream_ip, koi_ip, fwd_file, a.fwd_seconds)
            rounds.append(row)
            print(f"round {r + 1}/{a.rounds} done (load {row['load']:.2f})", file=sys.stderr, flush=True)
        load_after = os.getloadavg()
        memory = {k: koi_memory(on(v[0], "curl", "-sf", "http://127.0.0.1:5641/metrics").stdout, v[3])
                  for k, v in servers.items() if k != "dnsmasq"}
        counters = re.findall(r"^.*(?:answered|forwarded|rate.limited|refused|upstream).*$", koi_cli("stone-a", koi, "dns", "status").stdout, re.M | re.I)
        if a.keep:
            print("lab kept: " + ", ".join(f"{n} pid {v[3]} on {v[0]}" for n, v in servers.items()), file=sys.stderr)
    finally:
        if not a.keep:
            lab("down", check=False)
        shutil.rmtree(work, ignore_errors=True)

    report(a, list(servers), rounds, load_before, load_after, counters, memory)


def report(a, names, rounds, load_before, load_after, counters, memory):
    med = statistics.median
    kois = [n for n in names if n != "dnsmasq"]
    print(f"DNS, lab: koi daemon (all capabilities; {a.koi}{'; koi-base: ' + a.baseline if a.baseline else ''}) and dnsmasq, "
          f"dnsperf on stone-b over the veth; nproc {os.cpu_count()}; {a.rounds} rounds")
    print(f"max qps: {a.seconds} s, 200 outstanding; fixed rate: {a.rate} q/s for {a.seconds} s; "
          f"forwarding: {FWD_QPS} q/s for {a.fwd_seconds} s, direct and via koi at the same time")
    print("load average before: %.2f %.2f %.2f; after: %.2f %.2f %.2f" % (*load_before, *load_after))
    print("µs/answer = the server's CPU time (user + system, all threads) / answers; vcsw/ans = its voluntary context "
          "switches (sleeps) per answer; cores = its CPU time / wall time; kernel µs = the system-time part of µs/answer "
          "(clock-tick accounting: a rough split)")
    print()
    print("latency at the fixed rate, as dnsperf saw it: mean / p50 / p99 in ms")
    print(f"{'round':>5} {'load':>5} {'server':8} {'max qps':>9} {'lost':>6} {'µs/ans@max':>10} | "
          f"{'@rate qps':>9} {'lost':>6} {'µs/answer':>9} {'vcsw/ans':>8} {'cores':>5} {'mean/p50/p99 ms':>17}")
    qps_ratios = {k: [] for k in kois}
    cpu_ratios = {k: [] for k in kois}
    overheads = []
    for i, row in enumerate(rounds, 1):
        for name in names:
            m, f = row[name]["max"], row[name]["fixed"]
            print(f"{i:5d} {row['load']:5.2f} {name:8} {m['qps']:9.0f} {m['lost']:6.0f} {m['us_per_answer']:10.2f} | "
                  f"{f['qps']:9.0f} {f['lost']:6.0f} {f['us_per_answer']:9.2f} {f['switches_per_answer']:8.3f} {f['cores']:5.2f} "
                  f"{f['mean_ms']:5.3f}/{f['p50_ms']:5.3f}/{f['p99_ms']:5.3f}")
        for k in kois:
            qps_ratios[k].append(row[k]["max"]["qps"] / row["dnsmasq"]["max"]["qps"])
            cpu_ratios[k].append(row[k]["fixed"]["us_per_answer"] / row["dnsmasq"]["fixed"]["us_per_answer"])
        direct, via = row["direct"], row["via koi"]
        overheads.append(via[1] - direct[1])
        print(f"{i:5d} {'':5} " + "; ".join(f"{k}/dnsmasq: max qps {qps_ratios[k][-1]:.2f}, CPU per answer {cpu_ratios[k][-1]:.2f}" for k in kois) +
              f"; forwarding p50/p99 direct {direct[0]:.3f}/{direct[1]:.3f} ms, via koi {via[0]:.3f}/{via[1]:.3f} ms, "
              f"overhead p99 {overheads[-1]:.3f} ms")
    print()
    for name in names:
        print(f"median {name:8}: max qps {med([r[name]['max']['qps'] for r in rounds]):7.0f}; at {a.rate} q/s "
              f"{med([r[name]['fixed']['us_per_answer'] for r in rounds]):.2f} µs CPU per answer, "
              f"({med([r[name]['fixed']['us_per_answer'] * r[name]['fixed']['sys_share'] for r in rounds]):.2f} of them in the kernel), "
              f"{med([r[name]['fixed']['switches_per_answer'] for r in rounds]):.3f} voluntary context switches per answer, "
              f"latency mean {med([r[name]['fixed']['mean_ms'] for r in rounds]):.3f} ms, "
              f"p50 {med([r[name]['fixed']['p50_ms'] for r in rounds]):.3f} ms, "
              f"p99 {med([r[name]['fixed']['p99_ms'] for r in rounds]):.3f} ms")
    print()
    fmt = lambda xs: ", ".join(f"{x:.2f}" for x in xs)
    rows = []
    for k in kois:
        rows.append((f"CPU per answer {k}/dnsmasq <= 0.8", cpu_ratios[k], lambda m: m <= 0.8))
        rows.append((f"max qps {k}/dnsmasq >= 1.2", qps_ratios[k], lambda m: m >= 1.2))
    rows.append(("forwarding overhead p99 (koi) <= 1 ms", overheads, lambda m: m <= 1.0))
    width = max(34, len(fmt(overheads)))
    print(f"{'target':42} {'per round':{width}} {'median':>7}  result")
    for label, values, ok in rows:
        m = med(values)
        print(f"{label:42} {fmt(values):{width}} {m:7.2f}  {'met' if ok(m) else 'NOT met'}")
    if "koi-base" in names:
        # Before/after in the same rounds: the change's own effect, with no target of its own.
        cpu = [r["koi"]["fixed"]["us_per_answer"] / r["koi-base"]["fixed"]["us_per_answer"] for r in rounds]
        qps = [r["koi"]["max"]["qps"] / r["koi-base"]["max"]["qps"] for r in rounds]
        print(f"{'CPU per answer koi/koi-base (before/after)':42} {fmt(cpu):{width}} {med(cpu):7.2f}")
        print(f"{'max qps koi/koi-base (before/after)':42} {fmt(qps):{width}} {med(qps):7.2f}")
    lost = sum(r[n][k]["lost"] for r in rounds for n in names for k in ("max", "fixed"))
    print(f"lost queries (all runs): {lost:.0f}")
    for k, m in memory.items():
        env = " ".join(a.koi_env if k == "koi" else a.baseline_env)
        print(f"{k} daemon after the run{' (' + env + ')' if env else ''}: {describe_memory(m)}")
    if counters:
        print("koi dns status: " + "; ".join(c.strip() for c in counters))


if __name__ == "__main__":
    main()
