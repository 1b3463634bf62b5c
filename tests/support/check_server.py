#!/usr/bin/env python3
"""Peers for the tests of the checks after connect (TLS, expect, HTTP).

The listening socket is made by the test and inherited as descriptor 3, so the server is ready
the moment it starts: no start-up race. Usage: check_server.py MODE [ARGS...]

  banner TEXT            send TEXT, then close
  reply ASK ANSWER       read until ASK has arrived, send ANSWER, close
  silent                 accept and never send (hold the connection open)
  junk BYTES             send BYTES of junk, then hold
  http ROOT              python's http.server serving ROOT (200, 404, 301 for a directory)
  raw TEXT               read the request head, send TEXT as is, close (a malformed response)
  slowloris              read the request head, send a response a byte a second
  tls CERT KEY ROOT      http.server over TLS (ALPN http/1.1)
  tls-banner CERT KEY TEXT   TLS, then send TEXT and close
  tls-close              read the first bytes of the ClientHello, then close
"""
import http.server
import os
import socket
import ssl
import sys
import threading
import time

MODE = sys.argv[1]
ARGS = sys.argv[2:]
LISTENER = socket.socket(fileno=3)
HELD = []  # connections kept open on purpose


def unescape(text):
    return text.encode().decode("unicode_escape").encode("latin-1")


def read_head(conn, limit=65536):
    data = b""
    while b"\r\n\r\n" not in data and len(data) < limit:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def handle(conn):
    try:
        if MODE == "banner":
            conn.sendall(unescape(ARGS[0]))
            conn.close()
        elif MODE == "reply":
            ask, answer = unescape(ARGS[0]), unescape(ARGS[1])
            data = b""
            while ask not in data and len(data) < 65536:
                chunk = conn.recv(4096)
                if not chunk:
                    break
                data += chunk
            if ask in data:
                conn.sendall(answer)
            conn.close()
        elif MODE in ("silent", "tls-silent"):
            HELD.append(conn)
        elif MODE == "junk":
            HELD.append(conn)
            conn.sendall(b"\x00junk\xff" * (int(ARGS[0]) // 6))
        elif MODE == "raw":
            read_head(conn)
            conn.sendall(unescape(ARGS[0]))
            conn.close()
        elif MODE == "slowloris":
            HELD.append(conn)
            read_head(conn)
            for b in b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n":
                conn.sendall(bytes([b]))
                time.sleep(1)
        elif MODE == "tls-close":
            conn.recv(5)
            conn.close()
        elif MODE == "tls-banner":
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(ARGS[0], ARGS[1])
            tls = ctx.wrap_socket(conn, server_side=True)
            tls.sendall(unescape(ARGS[2]))
            tls.close()
    except OSError:
        pass


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve_http(root, context=None):
    os.chdir(root)

    class Server(http.server.ThreadingHTTPServer):
        def server_bind(self):
            pass

        def server_activate(self):
            pass

        def get_request(self):
            conn, addr = self.socket.accept()
            if context is not None:
                conn = context.wrap_socket(conn, server_side=True,
                                           do_handshake_on_connect=False)
            return conn, addr

        def handle_error(self, request, client_address):
            pass

    server = Server(("127.0.0.1", 0), Quiet, bind_and_activate=False)
    server.socket.close()
    server.socket = LISTENER
    server.serve_forever()


def main():
    if MODE == "http":
        serve_http(ARGS[0])
        return
    if MODE == "tls":
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(ARGS[0], ARGS[1])
        ctx.set_alpn_protocols(["http/1.1"])
        serve_http(ARGS[2], ctx)
        return
    while True:
        conn, _ = LISTENER.accept()
        threading.Thread(target=handle, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    main()
