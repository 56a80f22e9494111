"""A local stand-in for both chat robots (neither service is reachable from a test machine): a threaded HTTP server on
127.0.0.1 that checks what the real ones document (docs: /work/shared/domain/README.md §8) — the method, the
path, the key or access_token, a JSON body in UTF-8, each message type's shape and sizes, WeCom's upload_media
multipart, DingTalk's signature and timestamp, and 20 messages a minute per robot — and records every message it
accepted, so a test can assert what reached the group and how many times.

Fault switches a test sets: `error(robot, errcode, errmsg, times)` answers an error (45009, -1 …) the next
`times` calls; `http_error(robot, status, times)`; `hang(robot, seconds, deliver=True)` accepts the message, then
answers only after `seconds` (past the client's read timeout: "sent, but no answer"), or with deliver=False does
not accept it; `revoke(robot)` makes the key invalid.

    with RobotServer() as server:
        WeCom(server.wecom_url).send_markdown("…")
        assert server.accepted("wecom")[0]["markdown"]["content"] == "…"
"""

from __future__ import annotations

import base64
import email
import email.policy
import hashlib
import hmac
import json
import secrets
import socket
import threading
import time
import urllib.parse
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

WECOM_PATH = "/cgi-bin/webhook/send"
WECOM_UPLOAD = "/cgi-bin/webhook/upload_media"
DINGTALK_PATH = "/robot/send"
RATE = 20  # messages a minute per robot
DINGTALK_BLOCK_SECONDS = 600
DINGTALK_BODY_BYTES = 20000


def free_port() -> int:
    """A local port nothing listens on (a refused connection)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Answer(Exception):
    def __init__(self, errcode: int, errmsg: str, status: int = 200):
        self.errcode, self.errmsg, self.status = errcode, errmsg, status


class RobotServer:
    def __init__(self):
        self.wecom_key = "wk-" + secrets.token_hex(12)
        self.dingtalk_token = "dt" + secrets.token_hex(16)
        self.dingtalk_secret = "SEC" + secrets.token_hex(16)
        self.lock = threading.Lock()
        self.messages: list[dict] = []  # accepted: {"robot", "msgtype", "body", "at"}
        self.calls: list[dict] = []  # every request: {"robot", "path", "errcode"}
        self.media: dict[str, tuple[str, bytes]] = {}
        self._errors: dict[str, deque] = {"wecom": deque(), "dingtalk": deque()}
        self._hang: dict[str, tuple[float, bool] | None] = {"wecom": None, "dingtalk": None}
        self._revoked: set[str] = set()
        self._times: dict[str, deque] = {"wecom": deque(), "dingtalk": deque()}
        self._blocked_until: dict[str, float] = {}
        self.clock = time.time  # a test may move it
        self._httpd: ThreadingHTTPServer | None = None

    # ---- switches ------------------------------------------------------------------------------------------------

    def error(self, robot: str, errcode: int, errmsg: str = "error", times: int = 1) -> None:
        for _ in range(times):
            self._errors[robot].append(("json", errcode, errmsg))

    def http_error(self, robot: str, status: int = 502, times: int = 1) -> None:
        for _ in range(times):
            self._errors[robot].append(("http", status, ""))

    def hang(self, robot: str, seconds: float, *, deliver: bool = True) -> None:
        self._hang[robot] = (seconds, deliver)

    def revoke(self, robot: str) -> None:
        self._revoked.add(robot)

    def accepted(self, robot: str | None = None) -> list[dict]:
        with self.lock:
            return [m["body"] for m in self.messages if robot is None or m["robot"] == robot]

    # ---- addresses -----------------------------------------------------------------------------------------------

    @property
    def base(self) -> str:
        assert self._httpd is not None
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def wecom_url(self) -> str:
        return f"{self.base}{WECOM_PATH}?key={self.wecom_key}"

    @property
    def dingtalk_url(self) -> str:
        return f"{self.base}{DINGTALK_PATH}?access_token={self.dingtalk_token}"

    # ---- life ----------------------------------------------------------------------------------------------------

    def start(self) -> RobotServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format, *args):  # quiet
                pass

            def do_GET(self):
                self._plain(405)

            def do_POST(self):
                server._handle(self)

            def _plain(self, status):
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._httpd.block_on_close = False
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()

    def __enter__(self) -> RobotServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # ---- the robots ----------------------------------------------------------------------------------------------

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        url = urllib.parse.urlsplit(handler.path)
        query = urllib.parse.parse_qs(url.query)
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length)
        ctype = handler.headers.get("Content-Type", "")
        if url.path in (WECOM_PATH, WECOM_UPLOAD):
            robot = "wecom"
        elif url.path == DINGTALK_PATH:
            robot = "dingtalk"
        else:
            return self._reply(handler, None, 404, None)
        errcode = 0
        answer: dict = {}
        try:
            with self.lock:
                self._injected(robot)
            if robot == "wecom":
                answer = self._wecom(url.path, query, ctype, body)
            else:
                answer = self._dingtalk(query, ctype, body)
        except _Answer as refused:
            errcode = refused.errcode
            with self.lock:
                self.calls.append({"robot": robot, "path": url.path, "errcode": errcode})
            if refused.status != 200:
                return self._reply(handler, robot, refused.status, None)
            return self._reply(handler, robot, 200, {"errcode": refused.errcode, "errmsg": refused.errmsg})
        with self.lock:
            self.calls.append({"robot": robot, "path": url.path, "errcode": 0})
        hang = self._hang[robot]
        if hang is not None and url.path != WECOM_UPLOAD:
            time.sleep(hang[0])
        self._reply(handler, robot, 200, {"errcode": 0, "errmsg": "ok", **answer})

    def _reply(self, handler, robot, status: int, payload: dict | None) -> None:
        data = json.dumps(payload, ensure_ascii=False).encode() if payload is not None else b""
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json; charset=utf-8")
            handler.send_header("Content-Length", str(len(data)))
            handler.end_headers()
            handler.wfile.write(data)
        except OSError:  # the client gave up waiting (the hang switch)
            pass

    def _injected(self, robot: str) -> None:
        if self._errors[robot]:
            kind, code, msg = self._errors[robot].popleft()
            raise _Answer(code, msg, status=code if kind == "http" else 200)

    def _json_body(self, ctype: str, body: bytes, bad: int) -> dict:
        if not ctype.lower().startswith("application/json"):
            raise _Answer(bad, "Content-Type must be application/json")
        try:
            payload = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise _Answer(bad, "invalid json or not utf-8") from None
        if not isinstance(payload, dict):
            raise _Answer(bad, "invalid json")
        return payload

    def _rate(self, robot: str) -> None:
        """20 accepted messages a minute per robot (caller holds the lock)."""
        now = self.clock()
        times = self._times[robot]
        while times and times[0] <= now - 60:
            times.popleft()
        if robot == "dingtalk" and self._blocked_until.get(robot, 0) > now:
            raise _Answer(410100, "send too fast, exceed 20 times per minute")
        if len(times) >= RATE:
            if robot == "wecom":
                raise _Answer(45009, "api freq out of limit")
            self._blocked_until[robot] = now + DINGTALK_BLOCK_SECONDS
            raise _Answer(410100, "send too fast, exceed 20 times per minute")

    def _accept(self, robot: str, payload: dict) -> None:
        """Record a message as in the group (caller holds the lock)."""
        hang = self._hang[robot]
        if hang is not None and not hang[1]:
            return  # hangs without delivering
        self._times[robot].append(self.clock())
        self.messages.append({"robot": robot, "msgtype": payload["msgtype"], "body": payload, "at": self.clock()})

    def _wecom(self, path: str, query: dict, ctype: str, body: bytes) -> dict:
        if query.get("key", [""])[0] != self.wecom_key or "wecom" in self._revoked:
            raise _Answer(93000, "invalid webhook url")
        if path == WECOM_UPLOAD:
            return self._wecom_upload(query, ctype, body)
        payload = self._json_body(ctype, body, 40058)
        kind = payload.get("msgtype")
        if kind == "markdown":
            content = (payload.get("markdown") or {}).get("content")
            if not isinstance(content, str) or not content:
                raise _Answer(40058, "markdown.content missing")
            if len(content.encode("utf-8")) > 4096:
                raise _Answer(40058, "markdown.content exceed max length 4096")
        elif kind == "text":
            content = (payload.get("text") or {}).get("content")
            if not isinstance(content, str) or len(content.encode("utf-8")) > 2048:
                raise _Answer(40058, "text.content invalid")
        elif kind == "image":
            image = payload.get("image") or {}
            try:
                raw = base64.b64decode(image.get("base64", ""), validate=True)
            except (ValueError, TypeError):
                raise _Answer(40058, "image.base64 invalid") from None
            if hashlib.md5(raw, usedforsecurity=False).hexdigest() != image.get("md5"):
                raise _Answer(301019, "media md5 not match")
            if not raw or len(raw) > 2 * 1024 * 1024:
                raise _Answer(40009, "invalid image size")
            if not (raw.startswith(b"\x89PNG\r\n\x1a\n") or raw.startswith(b"\xff\xd8\xff")):
                raise _Answer(40058, "image must be png or jpg")
        elif kind == "file":
            media_id = (payload.get("file") or {}).get("media_id")
            with self.lock:
                known = media_id in self.media
            if not known:
                raise _Answer(40007, "invalid media_id")
        else:
            raise _Answer(40008, "invalid message type")
        with self.lock:
            self._rate("wecom")
            self._accept("wecom", payload)
        return {}

    def _wecom_upload(self, query: dict, ctype: str, body: bytes) -> dict:
        if query.get("type", [""])[0] != "file":
            raise _Answer(40004, "invalid media type")
        if not ctype.lower().startswith("multipart/form-data"):
            raise _Answer(40058, "multipart/form-data expected")
        message = email.message_from_bytes(f"Content-Type: {ctype}\r\n\r\n".encode() + body, policy=email.policy.HTTP)
        media = None
        for part in message.iter_parts() if message.is_multipart() else []:
            if part.get_param("name", header="content-disposition") == "media":
                media = part
        if media is None:
            raise _Answer(40058, 'multipart field "media" missing')
        data = media.get_payload(decode=True) or b""
        if not 5 <= len(data) <= 20 * 1024 * 1024:
            raise _Answer(40006, "invalid media size")
        name = urllib.parse.unquote(media.get_filename() or "")
        media_id = "m" + secrets.token_hex(8)
        with self.lock:
            self.media[media_id] = (name, data)
        return {"type": "file", "media_id": media_id, "created_at": str(int(self.clock()))}

    def _dingtalk(self, query: dict, ctype: str, body: bytes) -> dict:
        if query.get("access_token", [""])[0] != self.dingtalk_token or "dingtalk" in self._revoked:
            raise _Answer(300001, "token is not exist")
        if self.dingtalk_secret:
            try:
                ts = int(query.get("timestamp", [""])[0])
            except ValueError:
                raise _Answer(310000, "sign not match, timestamp missing") from None
            if abs(self.clock() * 1000 - ts) > 3600 * 1000:
                raise _Answer(310000, "invalid timestamp")
            digest = hmac.new(
                self.dingtalk_secret.encode(), f"{ts}\n{self.dingtalk_secret}".encode(), hashlib.sha256
            ).digest()
            if query.get("sign", [""])[0] != base64.b64encode(digest).decode():
                raise _Answer(310000, "sign not match")
        if len(body) > DINGTALK_BODY_BYTES:
            raise _Answer(460101, "message too long, body 大小不合法")
        payload = self._json_body(ctype, body, 40035)
        kind = payload.get("msgtype")
        if kind == "markdown":
            md = payload.get("markdown") or {}
            if not (
                isinstance(md.get("title"), str) and md["title"] and isinstance(md.get("text"), str) and md["text"]
            ):
                raise _Answer(40035, "markdown needs title and text")
        elif kind == "text":
            if not isinstance((payload.get("text") or {}).get("content"), str):
                raise _Answer(40035, "text.content missing")
        else:
            raise _Answer(40035, "unsupported msgtype for this test server")
        with self.lock:
            self._rate("dingtalk")
            self._accept("dingtalk", payload)
        return {}
