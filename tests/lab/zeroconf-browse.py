#!/usr/bin/python3
"""Browses one DNS-SD service type with python-zeroconf and prints each resolved
instance as a JSON line. Used by scenarios as an mDNS peer independent of avahi.

usage: zeroconf-browse.py SERVICE_TYPE [--seconds N] [--expect INSTANCE]
With --expect, exits 0 as soon as INSTANCE resolves; without it, browses for N
seconds and exits 0 if anything resolved. Exits 1 otherwise.
"""
import argparse
import json
import sys
import threading

from zeroconf import ServiceBrowser, ServiceListener, Zeroconf


class Printer(ServiceListener):
    def __init__(self, expected):
        self.expected = expected
        self.found = threading.Event()
        self.any_found = False

    def add_service(self, zc, type_, name):
        info = zc.get_service_info(type_, name, timeout=3000)
        if info is None:
            return
        instance = name[: -len(type_) - 1] if name.endswith("." + type_) else name
        print(json.dumps({
            "instance": instance,
            "type": type_,
            "server": info.server,
            "port": info.port,
            "addresses": info.parsed_addresses(),
            "txt": {k.decode(): (v.decode() if v is not None else None) for k, v in info.properties.items()},
        }), flush=True)
        self.any_found = True
        if instance == self.expected:
            self.found.set()

    def update_service(self, zc, type_, name):
        pass

    def remove_service(self, zc, type_, name):
        pass


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("service_type")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--expect")
    args = parser.parse_args()
    service_type = args.service_type.rstrip(".") + ".local."

    zc = Zeroconf()
    try:
        printer = Printer(args.expect)
        ServiceBrowser(zc, service_type, printer)
        printer.found.wait(args.seconds)
        done = printer.found.is_set() if args.expect else printer.any_found
        return 0 if done else 1
    finally:
        zc.close()


if __name__ == "__main__":
    sys.exit(main())
