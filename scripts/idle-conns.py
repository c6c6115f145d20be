#!/usr/bin/env python3
"""Holds idle keep-alive and slow-header connections open against `slotsim serve`, for the
latency-under-load measurement in docs/serve.md ("Supervision and measurements").

  scripts/idle-conns.py HOST PORT [IDLE] [SLOW] [SECONDS]

IDLE connections (default 10000) each send one GET /livez, read the answer and then stay open,
idle; SLOW connections (default 200) send a request line and then one header byte per second,
never finishing their headers. A connection the server closes is opened again. Prints the open
counts every 5 s. Raise `ulimit -n` first (IDLE + SLOW + a few hundred descriptors).
"""
import selectors
import socket
import sys
import time

host, port = sys.argv[1], int(sys.argv[2])
idle_n = int(sys.argv[3]) if len(sys.argv) > 3 else 10000
slow_n = int(sys.argv[4]) if len(sys.argv) > 4 else 200
duration = float(sys.argv[5]) if len(sys.argv) > 5 else 60.0
sel = selectors.DefaultSelector()
REQUEST = b"GET /livez HTTP/1.1\r\nHost: x\r\n\r\n"


def open_conn(kind):
    s = socket.socket()
    s.setblocking(False)
    s.connect_ex((host, port))
    sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE, {"kind": kind, "sent": False})


for _ in range(idle_n):
    open_conn("idle")
for _ in range(slow_n):
    open_conn("slow")
end = time.time() + duration
last_trickle = last_print = time.time()
while time.time() < end:
    for key, events in sel.select(timeout=0.2):
        s, d = key.fileobj, key.data
        if events & selectors.EVENT_WRITE and not d["sent"]:
            try:
                s.send(REQUEST if d["kind"] == "idle" else b"GET /livez HTTP/1.1\r\nX-a: ")
            except OSError:
                pass
            d["sent"] = True
            sel.modify(s, selectors.EVENT_READ, d)
        elif events & selectors.EVENT_READ:
            try:
                data = s.recv(65536)
            except OSError:
                data = b""
            if not data:  # closed by the server: open another
                sel.unregister(s)
                s.close()
                open_conn(d["kind"])
    now = time.time()
    if now - last_trickle >= 1:
        last_trickle = now
        for key in list(sel.get_map().values()):
            if key.data["kind"] == "slow" and key.data["sent"]:
                try:
                    key.fileobj.send(b"a")
                except OSError:
                    pass
    if now - last_print >= 5:
        last_print = now
        kinds = [k.data["kind"] for k in sel.get_map().values()]
        print(f"open: idle {kinds.count('idle')}, slow {kinds.count('slow')}", flush=True)
