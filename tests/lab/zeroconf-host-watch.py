#!/usr/bin/python3
"""Watches one mDNS host name with python-zeroconf and prints its IPv4 addresses as a
JSON line each time the set changes (first line: the set after an initial query).
Zeroconf caches every record it hears, so announcements and goodbyes (TTL 0, kept
one more second per RFC 6762 section 10.1) show up here without asking again.
Used by scenarios as an mDNS peer independent of avahi.

usage: zeroconf-host-watch.py HOST.local [--seconds N]
"""
import argparse
import json
import time

from zeroconf import DNSOutgoing, DNSQuestion, Zeroconf, const
from zeroconf._utils.time import current_time_millis


def addresses(zc, name, now):
    found = set()
    for record in zc.cache.entries_with_name(name):
        if record.type == const._TYPE_A and not record.is_expired(now):
            found.add(".".join(str(b) for b in record.address))
    return sorted(found)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("host")
    parser.add_argument("--seconds", type=float, default=120.0)
    args = parser.parse_args()
    name = args.host.rstrip(".") + "."

    zc = Zeroconf()
    try:
        # Asked until the first answer (Zeroconf needs a moment before it can send); after that only what the host
        # announces or withdraws on its own changes the cache.
        for _ in range(10):
            time.sleep(0.5)
            query = DNSOutgoing(const._FLAGS_QR_QUERY)
            query.add_question(DNSQuestion(name, const._TYPE_A, const._CLASS_IN))
            zc.send(query)
            time.sleep(0.5)
            if addresses(zc, name, current_time_millis()):
                break
        last = None
        end = time.monotonic() + args.seconds
        while time.monotonic() < end:
            current = addresses(zc, name, current_time_millis())
            if current != last:
                print(json.dumps({"at": time.time(), "addresses": current}), flush=True)
                last = current
            time.sleep(0.2)
        return 0
    finally:
        zc.close()


if __name__ == "__main__":
    raise SystemExit(main())
