#!/usr/bin/env python3
"""Prints the MRI server's events, heard over its TCP event-bus bridge. Python 3, standard library only.

A bridge frame is a 4-byte big-endian length, then that many bytes of UTF-8 JSON, both ways.

    MRI_BRIDGE_TOKEN="$(an admin's access token)" python3 clients/python/mri_events.py --port 7000

Each event is one JSON line on stdout: {"address": ..., "body": {...}}. Status and errors go to stderr.
The token is read from the environment, not the command line, so it does not show in a process list.
The server closes the connection when the token expires or is revoked: run the client again with a fresh one.
It also closes connections silent for bridge.idle_timeout_seconds: the client pings when the bridge is quiet.
Exit status: 0 after --count events, 1 when the connection closes, 2 when the bridge refuses a frame,
3 when it cannot connect (TLS handshake included).
"""
import argparse
import json
import os
import select
import socket
import ssl
import struct
import sys


def send_frame(sock, frame):
    data = json.dumps(frame).encode("utf-8")
    sock.sendall(struct.pack(">I", len(data)) + data)


def read_exactly(sock, n):
    chunks = []
    while n > 0:
        chunk = sock.recv(n)
        if not chunk:
            return None
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def read_frame(sock, max_bytes=1 << 20):
    header = read_exactly(sock, 4)
    if header is None:
        return None
    (length,) = struct.unpack(">I", header)
    if length > max_bytes:
        raise ValueError("frame of %d bytes is over the client's limit" % length)
    data = read_exactly(sock, length)
    return None if data is None else json.loads(data.decode("utf-8"))


def readable(sock, seconds):
    if isinstance(sock, ssl.SSLSocket) and sock.pending():
        return True
    ready, _, _ = select.select([sock], [], [], seconds)
    return bool(ready)


def connect(args):
    sock = socket.create_connection((args.host, args.port), timeout=args.connect_timeout)
    sock.settimeout(None)
    if args.tls or args.cafile:
        context = ssl.create_default_context(cafile=args.cafile)
        if args.cert:
            context.load_cert_chain(args.cert, args.key)
        sock = context.wrap_socket(sock, server_hostname=args.host)
    return sock


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=7000)
    parser.add_argument("--address", action="append",
                        help="an event address to listen to (repeatable); default mri.events.classified")
    parser.add_argument("--count", type=int, default=0, help="exit after this many events (0: never)")
    parser.add_argument("--token-env", default="MRI_BRIDGE_TOKEN",
                        help="the environment variable holding the access token (bridge.auth=token)")
    parser.add_argument("--tls", action="store_true", help="TLS, trusting the system's certificate authorities")
    parser.add_argument("--cafile", help="TLS, trusting this PEM certificate authority")
    parser.add_argument("--cert", help="a PEM client certificate (bridge.tls_client_ca_path)")
    parser.add_argument("--key", help="the client certificate's PEM key")
    parser.add_argument("--connect-timeout", type=float, default=10.0)
    parser.add_argument("--ping-seconds", type=float, default=20.0,
                        help="ping when the bridge has been quiet this long (it closes silent connections)")
    args = parser.parse_args()
    addresses = args.address or ["mri.events.classified"]

    try:
        sock = connect(args)
    except (OSError, ssl.SSLError) as e:
        print("cannot connect: %s" % e, file=sys.stderr, flush=True)
        return 3
    token = os.environ.get(args.token_env, "")
    for i, address in enumerate(addresses):
        frame = {"type": "register", "address": address}
        if i == 0 and token:
            # the first frame proves who we are; the server strips the header before anything else sees it
            frame["headers"] = {"authorization": "Bearer " + token}
        send_frame(sock, frame)
    # frames are answered in order: the pong says every registration above has been made
    send_frame(sock, {"type": "ping"})

    heard = 0
    listening = False
    while True:
        if not readable(sock, args.ping_seconds):
            send_frame(sock, {"type": "ping"})
            continue
        frame = read_frame(sock)
        if frame is None:
            print("the bridge closed the connection", file=sys.stderr, flush=True)
            return 1
        kind = frame.get("type")
        if kind == "pong" and not listening:
            listening = True
            print("listening on " + ", ".join(addresses), file=sys.stderr, flush=True)
        elif kind == "err":
            print("refused: " + str(frame.get("message")), file=sys.stderr, flush=True)
            return 2
        elif kind == "message":
            print(json.dumps({"address": frame.get("address"), "body": frame.get("body")}), flush=True)
            heard += 1
            if args.count and heard >= args.count:
                return 0


if __name__ == "__main__":
    sys.exit(main())
