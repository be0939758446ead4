"""The example's demo backend: a tiny pet store and an echo endpoint, standard library only.
Portico starts it as a sidecar (see portico.yaml); it listens on 127.0.0.1 only."""
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

PETS = [
    {"id": 1, "type": "dog", "price": 249.99},
    {"id": 2, "type": "cat", "price": 124.99},
    {"id": 3, "type": "fish", "price": 0.99},
]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _send(self, status, payload):
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _handle(self):
        url = urlsplit(self.path)
        parts = [p for p in url.path.split("/") if p]
        body = self._body()
        if parts[:1] == ["pets"]:
            if len(parts) == 1 and self.command == "GET":
                query = parse_qs(url.query)
                pets = [p for p in PETS if p["type"] in query.get("type", [p["type"]])]
                return self._send(200, pets)
            if len(parts) == 1 and self.command == "POST":
                pet = json.loads(body or b"{}")
                pet["id"] = len(PETS) + 1
                return self._send(201, {"pet": pet, "message": "success"})
            if len(parts) == 2:
                match = [p for p in PETS if str(p["id"]) == parts[1]]
                return self._send(200, match[0]) if match else self._send(404, {"message": "no such pet"})
        if parts[:1] == ["echo"]:
            return self._send(200, {
                "method": self.command,
                "path": url.path,
                "query": url.query,
                "headers": dict(self.headers.items()),
                "body": body.decode("utf-8", "replace"),
            })
        return self._send(404, {"message": "not found"})

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 9001
    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
