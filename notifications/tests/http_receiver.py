"""A real webhook receiver for fault tests and benchmarks: it answers every POST after
`delay` seconds, and counts them."""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class SlowReceiver:
    def __init__(self, delay: float) -> None:
        self.count = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers["Content-Length"]))
                time.sleep(delay)
                receiver.count += 1
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
