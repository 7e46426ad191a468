"""A real SMTP server for fault tests: it counts what it accepts and can stall on DATA."""

import re
import socketserver
import threading
from collections import Counter
from collections.abc import Callable


class SMTPServer:
    def __init__(self) -> None:
        self.accepted: Counter[str] = Counter()  # X-Resilia-Email-Id -> times accepted
        self.data_started = threading.Event()  # a sender is waiting for the DATA reply
        self.stall = threading.Event()  # while set, the DATA reply is held back
        self.release = threading.Event()
        self.drop_stalled = True  # after a stall: hang up (not accepted) or accept late
        self.message_ids: list[tuple[str, str]] = []  # (X-Resilia-Email-Id, Message-ID)
        self.to: list[str] = []  # each accepted message's To header
        self.before_accepting: Callable[[], None] | None = None  # a fault, just before 250
        self._lock = threading.Lock()
        owner = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                self.wfile.write(b"220 test SMTP\r\n")
                while line := self.rfile.readline():
                    command = line.decode("ascii", "replace").strip().upper()
                    if command.startswith(("EHLO", "HELO")):
                        self.wfile.write(b"250 test\r\n")
                    elif command.startswith(("MAIL", "RCPT", "RSET", "NOOP")):
                        self.wfile.write(b"250 ok\r\n")
                    elif command == "DATA":
                        self.wfile.write(b"354 go on\r\n")
                        body = b""
                        while not body.endswith(b"\r\n.\r\n"):
                            chunk = self.rfile.readline()
                            if not chunk:
                                return
                            body += chunk
                        owner.data_started.set()
                        if owner.stall.is_set():
                            owner.release.wait(60)
                            if owner.drop_stalled:
                                return  # never acknowledged: the message was not accepted
                        match = re.search(rb"X-Resilia-Email-Id: (\d+)", body)
                        found = re.search(rb"(?im)^Message-ID: (\S+)", body)
                        to = re.search(rb"(?im)^To: (\S+)", body)
                        email_id = match.group(1).decode() if match else "?"
                        if owner.before_accepting is not None:
                            owner.before_accepting()
                        with owner._lock:
                            owner.accepted[email_id] += 1
                            owner.message_ids.append(
                                (email_id, found.group(1).decode() if found else "")
                            )
                            owner.to.append(to.group(1).decode() if to else "")
                        self.wfile.write(b"250 queued\r\n")
                    elif command == "QUIT":
                        self.wfile.write(b"221 bye\r\n")
                        return
                    else:
                        self.wfile.write(b"502 not implemented\r\n")

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self._server = Server(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> "SMTPServer":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()
