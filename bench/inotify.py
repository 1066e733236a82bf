#!/usr/bin/env python3
"""What the proxy's certificate watches cost the user's inotify budget, for the published koi:

    python3 bench/inotify.py [--koi artifacts/publish/koi] [--entries 60] [--compare OTHER_KOI]

A daemon (--no-mdns, in its own network namespace: the script re-runs itself under `unshare --net`, so root is
needed) gets --entries proxy entries on one port, each with its own certificate directory under one temp directory
(the way `--cert-path` is used). Read from /proc/PID/fd and /proc/PID/fdinfo: the daemon's inotify instances and
kernel watches before the entries and after. Targets: the proxy's share is at most 1 instance however many entries
(fs.inotify.max_user_instances is 128 per user by default, shared with every program of that user): the entries add
no instance, the whole daemon holds at most 2 (the proxy's one, opened with the service, and one other the daemon may
hold), and entries + 1 watches (each directory and their shared parent). Then one entry's directory is replaced the way certmesh renews
(a staged sibling renamed over it): the new serial must be served before the 5 s periodic check could have found it.
Then every entry is removed: the proxy's watches must go back to 0.

--compare runs a second binary the same way in the same run (e.g. an older build). CAUTION: a build from before the
shared watch hub holds 2 instances per entry — 60 entries take 120 of the user's 128, and other programs of the same
user (a second daemon, test runs) fail to start while it runs.

Every process started here is stopped here, by pid.
"""
import argparse, json, os, shutil, subprocess, sys, tempfile, time


def inotify(pid):
    """(instances, watches) the process holds."""
    instances = watches = 0
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}") != "anon_inode:inotify":
                continue
            with open(f"/proc/{pid}/fdinfo/{fd}") as info:
                watches += sum(1 for line in info if line.startswith("inotify"))
            instances += 1
        except OSError:
            pass
    return instances, watches


def certificate(directory, name):
    os.makedirs(directory, exist_ok=True)
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", f"{directory}/key.pem", "-out", f"{directory}/fullchain.pem", "-days", "30",
                    "-subj", f"/CN={name}", "-addext", f"subjectAltName=DNS:*.{name},DNS:{name}"],
                   check=True, capture_output=True)


def measure(koi, entries, label):
    work = tempfile.mkdtemp(prefix="koi-inotify-")
    env = dict(os.environ, KOI_DATA_DIR=f"{work}/data", KOI_HOSTNAME="stone")
    os.makedirs(f"{work}/cwd")
    certificate(f"{work}/template", "stone.lan")
    backend = subprocess.Popen([sys.executable, "-m", "http.server", "3000", "--bind", "127.0.0.1"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    log = open(f"{work}/daemon.log", "w")
    daemon = subprocess.Popen([koi, "daemon", "--no-mdns", "--http-bind", "127.0.0.1", "--log-level", "warn"],
                              cwd=f"{work}/cwd", env=env, stdout=log, stderr=log)

    def cli(*args):
        return subprocess.run([koi, *args], env=env, capture_output=True, text=True)

    def serial(name):
        status = cli("proxy", "status", "--json")
        if status.returncode != 0:
            return None
        return next((e["certificate"]["serial"] for e in json.loads(status.stdout).get("entries") or [] if e["name"] == name), None)

    try:
        for _ in range(150):
            if cli("status").returncode == 0:
                break
            if daemon.poll() is not None:
                sys.exit(f"{label}: the daemon exited at start-up (rc {daemon.returncode}); see {work}/daemon.log")
            time.sleep(0.2)
        before = inotify(daemon.pid)
        added = 0
        for i in range(entries):
            shutil.copytree(f"{work}/template", f"{work}/certs/e{i}")
            added += cli("proxy", "add", f"e{i}", "--listen", "8443", "--backend", "http://127.0.0.1:3000",
                         "--cert-path", f"{work}/certs/e{i}", "--no-alias").returncode == 0
        time.sleep(1)
        after = inotify(daemon.pid)

        # A renewal as certmesh does it: the new set staged beside, renamed over the old directory.
        old = serial("e0")
        certificate(f"{work}/certs/.e0.new", "stone.lan")
        os.rename(f"{work}/certs/e0", f"{work}/certs/.e0.old")
        os.rename(f"{work}/certs/.e0.new", f"{work}/certs/e0")
        shutil.rmtree(f"{work}/certs/.e0.old")
        start = time.monotonic()
        while serial("e0") == old and time.monotonic() - start < 10:
            time.sleep(0.05)
        reload_ms = (time.monotonic() - start) * 1000

        for i in range(entries):
            cli("proxy", "remove", f"e{i}")
        time.sleep(0.5)
        removed = inotify(daemon.pid)
    finally:
        daemon.terminate()
        daemon.wait(timeout=30)
        backend.terminate()
        backend.wait(timeout=10)
        log.close()
        shutil.rmtree(work, ignore_errors=True)

    instances, watches = after[0] - before[0], after[1] - before[1]
    rows = [
        (f"inotify instances added by {added}/{entries} entries", f"{instances}", "0", instances == 0),
        (f"daemon's inotify instances with {added} entries", f"{after[0]}", "<= 2", after[0] <= 2),
        ("kernel watches added by the entries", f"{watches}", f"{entries + 1}", watches == entries + 1),
        ("renewal served after (periodic check: 5000 ms)", f"{reload_ms:.0f} ms", "< 5000 ms", reload_ms < 5000),
        ("proxy's watches after removing every entry", f"{removed[1] - before[1]}", "0", removed[1] == before[1]),
    ]
    print(f"\n{label} ({koi}); daemon before entries: {before[0]} instances, {before[1]} watches "
          f"(the proxy's one among them, opened with the service); after: {after[0]} instances, {after[1]} watches")
    print(f"  {'figure':52} {'measured':>10} {'target':>10}  met")
    for name, value, target, met in rows:
        print(f"  {name:52} {value:>10} {target:>10}  {'met' if met else 'NOT met'}")
    return all(met for *_, met in rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--koi", default="artifacts/publish/koi")
    parser.add_argument("--entries", type=int, default=60)
    parser.add_argument("--compare", help="a second koi binary measured the same way after the first")
    args = parser.parse_args()
    if os.environ.get("KOI_INOTIFY_BENCH_NETNS") != "1":
        os.environ["KOI_INOTIFY_BENCH_NETNS"] = "1"
        os.execvp("unshare", ["unshare", "--net", sys.executable, *sys.argv])
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    with open("/proc/sys/fs/inotify/max_user_instances") as f, open("/proc/sys/fs/inotify/max_user_watches") as g:
        print(f"user limits: fs.inotify.max_user_instances={f.read().strip()} max_user_watches={g.read().strip()}")
    ok = measure(os.path.abspath(args.koi), args.entries, "koi")
    if args.compare:
        measure(os.path.abspath(args.compare), args.entries, "compare")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
