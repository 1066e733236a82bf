#!/usr/bin/python3
"""Registers one DNS-SD service with python-zeroconf and keeps it until killed.
Used by scenarios as an mDNS responder independent of avahi.

usage: zeroconf-publish.py INSTANCE SERVICE_TYPE PORT ADDRESS [key=value ...]
"""
import signal
import socket
import sys
import threading

from zeroconf import ServiceInfo, Zeroconf


def main():
    instance, service_type, port, address = sys.argv[1:5]
    properties = dict(pair.split("=", 1) for pair in sys.argv[5:])
    service_type = service_type.rstrip(".") + ".local."
    host = socket.gethostname() + "-zc.local."
    info = ServiceInfo(service_type, f"{instance}.{service_type}", port=int(port),
                       addresses=[socket.inet_aton(address)], properties=properties, server=host)
    zc = Zeroconf(interfaces=[address])
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    zc.register_service(info)
    print(f"registered {info.name}", flush=True)
    stop.wait()
    zc.unregister_service(info)
    zc.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
