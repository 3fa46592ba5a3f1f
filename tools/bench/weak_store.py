"""A weak object store for the bench: Python's ThreadingHTTPServer with a listen backlog
of 5, as people put in front of a test bucket or behind a proxy. It answers every PUT
200 once the body is read, and every HEAD 200; it checks no signature. Of each object it
keeps the size and SHA-256 of the last PUT, listed as JSON by `GET /__objects` for the
bench to check.

Usage: weak_store.py PORT_FILE  (binds 127.0.0.1:0, writes the port to PORT_FILE)
"""

import hashlib
import http.server
import json
import sys
import threading
import urllib.parse

OBJECTS = {}
LOCK = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_PUT(self):
        size = left = int(self.headers.get("Content-Length", "0"))
        digest = hashlib.sha256()
        while left > 0:
            chunk = self.rfile.read(min(left, 65536))
            if not chunk:
                return
            digest.update(chunk)
            left -= len(chunk)
        key = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)
        with LOCK:
            OBJECTS[key] = {"key": key, "size": size, "sha256": digest.hexdigest()}
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self):
        with LOCK:
            body = json.dumps(list(OBJECTS.values())).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_HEAD(self):
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


class Server(http.server.ThreadingHTTPServer):
    request_queue_size = 5
    daemon_threads = True


def main():
    server = Server(("127.0.0.1", 0), Handler)
    with open(sys.argv[1], "w") as port_file:
        port_file.write(str(server.server_address[1]))
    server.serve_forever()


if __name__ == "__main__":
    main()
