"""A tiny record-keeping web application that runs as its own process, so a test can stop
it and start it again (a web server restart) while a bot is using it.

    python records_server.py PORT STORE.json

GET /           home screen
GET /new        a form: reference, Save (POST /records)
GET /records?ref=R   the record R, or "no record"
The records live in STORE.json, so they outlast a restart.
"""

from __future__ import annotations

import html
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

PAGE = "<!DOCTYPE html><html><head><meta charset='utf-8'><title>records</title></head><body>{}</body></html>"
HOME = "<h1 id='home'>Records</h1><a href='/new'>New record</a>"
FORM = ("<form method='post' action='/records'><label>Reference <input name='ref'></label>"
        "<button type='submit'>Save</button></form>")


def main(port: int, store: Path) -> None:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # http.server's naming
            parts = urlsplit(self.path)
            if parts.path == "/":
                self._send(HOME)
            elif parts.path == "/new":
                self._send(FORM)
            elif parts.path == "/records":
                ref = parse_qs(parts.query).get("ref", [""])[0]
                self._send(_record_html(_load(store), ref))
            else:
                self.send_error(404)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            ref = parse_qs(self.rfile.read(length).decode()).get("ref", [""])[0]
            records = _load(store)
            records.append({"ref": ref, "id": f"R-{len(records) + 1}"})
            store.write_text(json.dumps(records))
            self._send(_record_html(records, ref))

        def _send(self, body: str) -> None:
            data = PAGE.format(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            pass

    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


def _load(store: Path) -> list[dict[str, str]]:
    return json.loads(store.read_text()) if store.is_file() else []


def _record_html(records: list[dict[str, str]], ref: str) -> str:
    ids = [r["id"] for r in records if r["ref"] == ref]
    rows = "".join(f"<li class='record'>{html.escape(i)}</li>" for i in ids)
    return f"<h1 id='records'>Records of {html.escape(ref)}</h1><ul>{rows}</ul>"


if __name__ == "__main__":
    main(int(sys.argv[1]), Path(sys.argv[2]))
