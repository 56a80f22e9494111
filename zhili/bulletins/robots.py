"""The chat groups' robots: the WeCom (企业微信) group robot and the DingTalk (钉钉) custom robot.

Each call answers an `Outcome` instead of raising, so the delivery worker decides what to do next from one value:

    sent        the robot accepted the message (errcode 0)
    retry       nothing was delivered and a later try may work: the robot's rate limit (WeCom 45009, DingTalk's
                10-minute block), "system busy" (-1), HTTP 5xx, the connection refused or not made in time
    uncertain   the request went out but no answer came back (a read timeout, a dropped connection): the message
                may be in the group — never sent again by itself, a person checks the group first
    failed      the robot refused it for good: a wrong or revoked key, a bad signature, a missing keyword, a
                message too large … (the sentence says what to fix)

Why the standard library (http.client) and not requests: requests is not one of Zhili's dependencies (it is only
on this machine through a development tool), and http.client lets the client tell apart a connection that was
never made (nothing sent: retry) from a request sent and never answered (uncertain) with separate connect and read
timeouts, which is the distinction the delivery log rests on. Multipart for WeCom's upload is a few lines.

The webhook address carries the only credential (WeCom's `key`, DingTalk's `access_token`) and DingTalk's signing
secret is another: neither ever appears in a log, an exception, the delivery log or a page — `masked(url)` shows
the host and the key's last four characters, and every message a robot or the network gives back is scrubbed of
both before it leaves this module.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import ssl
import time
import urllib.parse
import uuid
from dataclasses import dataclass

from django.utils.translation import gettext as _

SENT = "sent"
RETRY = "retry"
UNCERTAIN = "uncertain"
FAILED = "failed"

# (connect, read) in seconds; the tests make them small to keep the "hangs past the read timeout" case fast
TIMEOUTS: tuple[float, float] = (5.0, 10.0)

WECOM_MARKDOWN_BYTES = 4096  # markdown.content, documented (document 91770)
WECOM_IMAGE_BYTES = 2 * 1024 * 1024  # image: ≤ 2 MB, JPG or PNG
WECOM_FILE_BYTES = (5, 20 * 1024 * 1024)  # upload_media: 5 B – 20 MB
# DingTalk documents no markdown limit of its own, only a request body of at most 20,000 bytes; long markdown
# also stops rendering well on phones past a few thousand characters. 5,000 bytes of UTF-8 (≈1,600 Chinese
# characters) keeps each part readable and far inside the body limit, even with JSON's quoting.
DINGTALK_MARKDOWN_BYTES = 5000
RATE_PER_MINUTE = 20  # both robots

WECOM_RATE_LIMITED = 45009
DINGTALK_BLOCKED = (410100, 130101)  # "send too fast": the robot is blocked for 10 minutes
BUSY = -1


@dataclass(frozen=True)
class Outcome:
    """What one call to a robot came to. `message` is a Chinese sentence for the delivery log (never the key);
    `wait` the seconds the robot asks us to wait before trying again (0: the usual backoff)."""

    kind: str
    errcode: int | None = None
    errmsg: str = ""
    message: str = ""
    wait: int = 0

    @property
    def sent(self) -> bool:
        return self.kind == SENT


def masked(url: str) -> str:
    """The robot as people may see it: "qyapi.weixin.qq.com ****1a2b" (host and the key's last four characters)."""
    parts = urllib.parse.urlsplit(url or "")
    query = urllib.parse.parse_qs(parts.query)
    key = (query.get("key") or query.get("access_token") or [""])[0]
    host = parts.hostname or "?"
    if parts.port:
        host = f"{host}:{parts.port}"
    return f"{host} ****{key[-4:]}" if key else host


def robot_id(url: str) -> str:
    """A short digest naming the robot in the delivery log, so the sends of one robot can be counted across
    workers without storing its key (16 hex digits of SHA-256: the key cannot be read back from it)."""
    parts = urllib.parse.urlsplit(url or "")
    query = urllib.parse.parse_qs(parts.query)
    key = (query.get("key") or query.get("access_token") or [""])[0]
    return hashlib.sha256(f"{parts.hostname}|{key}".encode()).hexdigest()[:16]


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's sign: base64 of HMAC-SHA256(key=secret, message="{timestamp}\\n{secret}"), not yet URL-encoded."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


class _Robot:
    KEY_PARAM = "key"
    name = ""

    def __init__(self, url: str, *, timeouts: tuple[float, float] | None = None):
        parts = urllib.parse.urlsplit((url or "").strip())
        query = urllib.parse.parse_qs(parts.query)
        if parts.scheme not in ("http", "https") or not parts.hostname or not query.get(self.KEY_PARAM):
            raise ValueError(
                _("%(robot)s地址格式不对：应形如 %(example)s。") % {"robot": self.name, "example": self.example}
            )
        self.url = url.strip()
        self._parts = parts
        self._key = query[self.KEY_PARAM][0]
        self._secrets: list[str] = [self._key]
        self.timeouts = timeouts

    example = ""

    def __repr__(self) -> str:  # never the key
        return f"<{type(self).__name__} {masked(self.url)}>"

    @property
    def masked(self) -> str:
        return masked(self.url)

    @property
    def robot_id(self) -> str:
        return robot_id(self.url)

    # ---- the one exchange -------------------------------------------------------------------------------------

    def _scrub(self, text: str) -> str:
        for secret in self._secrets:
            if secret:
                text = text.replace(secret, "****").replace(urllib.parse.quote(secret, safe=""), "****")
        return text[:300]

    def _path(self, path: str, query: dict[str, str]) -> str:
        return f"{path}?{urllib.parse.urlencode(query)}"

    def _post(self, path_qs: str, body: bytes, content_type: str, *, delivers: bool = True) -> Outcome | dict:
        """POST and read the JSON answer; an Outcome when there is no usable answer. `delivers`: this request
        posts to the group (a read timeout is then uncertain); an upload does not (it is then simply retried)."""
        connect_timeout, read_timeout = self.timeouts or TIMEOUTS
        host, port = self._parts.hostname or "", self._parts.port
        conn: http.client.HTTPConnection
        if self._parts.scheme == "https":
            conn = http.client.HTTPSConnection(
                host, port, timeout=connect_timeout, context=ssl.create_default_context()
            )
        else:
            conn = http.client.HTTPConnection(host, port, timeout=connect_timeout)
        try:
            try:
                conn.connect()
            except (TimeoutError, OSError) as exc:  # refused, unreachable, no DNS, TLS refused: nothing was sent
                return Outcome(
                    RETRY,
                    errmsg=self._scrub(type(exc).__name__),
                    message=_("连接%(robot)s失败（%(why)s），未送达，稍后重试。")
                    % {"robot": self.name, "why": self._scrub(str(exc) or type(exc).__name__)},
                )
            if conn.sock is not None:
                conn.sock.settimeout(read_timeout)
            try:
                conn.request(
                    "POST",
                    path_qs,
                    body=body,
                    headers={"Content-Type": content_type, "Content-Length": str(len(body))},
                )
            except (TimeoutError, OSError) as exc:  # the request did not go out whole: the robot cannot use it
                return Outcome(
                    RETRY,
                    errmsg=type(exc).__name__,
                    message=_("向%(robot)s发送请求时连接中断，未送达，稍后重试。") % {"robot": self.name},
                )
            try:
                response = conn.getresponse()
                raw = response.read()
            except (TimeoutError, OSError, http.client.HTTPException) as exc:
                if not delivers:
                    return Outcome(
                        RETRY,
                        errmsg=type(exc).__name__,
                        message=_("上传文件到%(robot)s时没有收到回答，稍后重试。") % {"robot": self.name},
                    )
                return Outcome(
                    UNCERTAIN,
                    errmsg=type(exc).__name__,
                    message=_(
                        "请求已发出，但%(robot)s没有在 %(s)s 秒内回答：消息可能已经发到群里。"
                        "请先到群里查看，确实没有收到再点“重新发送”。"
                    )
                    % {"robot": self.name, "s": f"{read_timeout:g}"},
                )
        finally:
            conn.close()
        if response.status >= 500:
            return Outcome(
                RETRY,
                errmsg=f"HTTP {response.status}",
                message=_("%(robot)s暂时不可用（HTTP %(status)s），未送达，稍后重试。")
                % {"robot": self.name, "status": response.status},
            )
        if response.status != 200:
            return Outcome(
                FAILED,
                errmsg=f"HTTP {response.status}",
                message=_("%(robot)s拒绝了请求（HTTP %(status)s），请检查机器人地址。")
                % {"robot": self.name, "status": response.status},
            )
        try:
            answer = json.loads(raw.decode("utf-8"))
            if not isinstance(answer, dict):
                raise ValueError
        except ValueError:
            return Outcome(
                FAILED,
                errmsg="not JSON",
                message=_("%(robot)s的回答无法识别，请检查机器人地址是否正确。") % {"robot": self.name},
            )
        return answer

    def _json(self, payload: dict) -> bytes:
        return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    def _outcome(self, answer: Outcome | dict) -> Outcome:
        if isinstance(answer, Outcome):
            return answer
        try:
            code = int(answer.get("errcode", 0))
        except (TypeError, ValueError):
            code = -2
        errmsg = self._scrub(str(answer.get("errmsg", "")))
        if code == 0:
            return Outcome(SENT, 0, errmsg, _("已送达。"))
        return self._refusal(code, errmsg)

    def _refusal(self, code: int, errmsg: str) -> Outcome:
        if code == BUSY:
            return Outcome(RETRY, code, errmsg, _("%(robot)s繁忙，未送达，稍后重试。") % {"robot": self.name})
        return Outcome(
            FAILED,
            code,
            errmsg,
            _("%(robot)s拒收（错误码 %(code)s：%(msg)s）。") % {"robot": self.name, "code": code, "msg": errmsg},
        )

    def _too_big(self, what: str, size: int, limit: int) -> Outcome:
        return Outcome(
            FAILED,
            None,
            "too large",
            _("%(what)s有 %(size)s 字节，超过%(robot)s的上限 %(limit)s 字节，没有发送。")
            % {"what": what, "size": size, "robot": self.name, "limit": limit},
        )


class WeCom(_Robot):
    """企业微信群机器人: https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=KEY."""

    KEY_PARAM = "key"
    example = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…"
    parts = ("markdown", "image", "file")
    markdown_bytes = WECOM_MARKDOWN_BYTES

    def __init__(self, url: str, *, timeouts: tuple[float, float] | None = None):
        self.name = _("企业微信群机器人")
        super().__init__(url, timeouts=timeouts)

    def _send(self, payload: dict) -> Outcome:
        path = self._path(self._parts.path, {"key": self._key})
        return self._outcome(self._post(path, self._json(payload), "application/json; charset=utf-8"))

    def _refusal(self, code: int, errmsg: str) -> Outcome:
        if code == WECOM_RATE_LIMITED:
            return Outcome(
                RETRY,
                code,
                errmsg,
                _("企业微信群机器人每分钟最多发 20 条，已超过（错误码 45009），未送达，稍后重试。"),
                wait=60,
            )
        if code in (93000, 40001, 40014):
            return Outcome(
                FAILED,
                code,
                errmsg,
                _(
                    "企业微信群机器人地址无效或机器人已被移出群（错误码 %(code)s），没有送达。"
                    "请在通报设置中填写新的机器人地址后重新发送。"
                )
                % {"code": code},
            )
        return super()._refusal(code, errmsg)

    def send_markdown(self, text: str, *, title: str = "") -> Outcome:
        size = len(text.encode("utf-8"))
        if size > WECOM_MARKDOWN_BYTES:
            return self._too_big(_("消息"), size, WECOM_MARKDOWN_BYTES)
        return self._send({"msgtype": "markdown", "markdown": {"content": text}})

    def send_image(self, png_bytes: bytes) -> Outcome:
        if len(png_bytes) > WECOM_IMAGE_BYTES:
            return self._too_big(_("图片"), len(png_bytes), WECOM_IMAGE_BYTES)
        return self._send(
            {
                "msgtype": "image",
                "image": {
                    "base64": base64.b64encode(png_bytes).decode("ascii"),
                    "md5": hashlib.md5(png_bytes, usedforsecurity=False).hexdigest(),  # the robot's checksum
                },
            }
        )

    def upload(self, name: str, data: bytes) -> Outcome | str:
        """Upload a file for a "file" message: its media_id (valid three days), or the Outcome of a failure."""
        low, high = WECOM_FILE_BYTES
        if not low <= len(data) <= high:
            return self._too_big(_("文件"), len(data), high)
        boundary = uuid.uuid4().hex
        quoted = urllib.parse.quote(name)
        body = b"".join(
            [
                f"--{boundary}\r\n".encode(),
                (
                    f'Content-Disposition: form-data; name="media"; filename="{quoted}"; '
                    f"filename*=UTF-8''{quoted}\r\n"
                ).encode(),
                b"Content-Type: application/octet-stream\r\n\r\n",
                data,
                f"\r\n--{boundary}--\r\n".encode(),
            ]
        )
        path = self._path(self._parts.path.rsplit("/", 1)[0] + "/upload_media", {"key": self._key, "type": "file"})
        answer = self._post(path, body, f"multipart/form-data; boundary={boundary}", delivers=False)
        if isinstance(answer, dict) and str(answer.get("errcode", 0)) == "0" and answer.get("media_id"):
            return str(answer["media_id"])
        outcome = self._outcome(answer)
        if outcome.sent:  # errcode 0 without a media_id
            return Outcome(FAILED, 0, "no media_id", _("企业微信没有返回文件编号，文件未发送。"))
        return outcome

    def send_file(self, name: str, data: bytes) -> Outcome:
        media = self.upload(name, data)
        if isinstance(media, Outcome):
            return media
        return self._send({"msgtype": "file", "file": {"media_id": media}})


class DingTalk(_Robot):
    """钉钉自定义机器人: https://oapi.dingtalk.com/robot/send?access_token=TOKEN, signed when a secret is set. A
    custom robot takes no image or file upload: only the markdown parts go to DingTalk."""

    KEY_PARAM = "access_token"
    example = "https://oapi.dingtalk.com/robot/send?access_token=…"
    parts = ("markdown",)
    markdown_bytes = DINGTALK_MARKDOWN_BYTES

    def __init__(self, url: str, secret: str = "", *, timeouts: tuple[float, float] | None = None):
        self.name = _("钉钉群机器人")
        super().__init__(url, timeouts=timeouts)
        self._secret = (secret or "").strip()
        self._secrets.append(self._secret)

    def _send(self, payload: dict, *, now_ms: int | None = None) -> Outcome:
        query = {"access_token": self._key}
        if self._secret:
            ts = now_ms if now_ms is not None else int(time.time() * 1000)
            query["timestamp"] = str(ts)
            query["sign"] = dingtalk_sign(self._secret, ts)  # urlencode quotes it, as DingTalk asks
        path = self._path(self._parts.path, query)
        return self._outcome(self._post(path, self._json(payload), "application/json; charset=utf-8"))

    def _refusal(self, code: int, errmsg: str) -> Outcome:
        if code in DINGTALK_BLOCKED:
            return Outcome(
                RETRY,
                code,
                errmsg,
                _("钉钉群机器人每分钟最多发 20 条，超过后被限流 10 分钟（错误码 %(code)s），未送达，10 分钟后重试。")
                % {"code": code},
                wait=600,
            )
        if code == 310000:
            return Outcome(
                FAILED,
                code,
                errmsg,
                _(
                    "钉钉群机器人拒收（错误码 310000）：加签密钥不符、消息不含设定的关键词或服务器 IP 不在白名单。"
                    "请核对机器人的安全设置和通报设置中的加签密钥。"
                ),
            )
        if code in (300001, 300005, 400102):
            return Outcome(
                FAILED,
                code,
                errmsg,
                _(
                    "钉钉群机器人地址无效、机器人已停用或已被移出群（错误码 %(code)s），没有送达。"
                    "请在通报设置中填写新的机器人地址后重新发送。"
                )
                % {"code": code},
            )
        return super()._refusal(code, errmsg)

    def send_markdown(self, text: str, *, title: str = "") -> Outcome:
        size = len(text.encode("utf-8"))
        if size > DINGTALK_MARKDOWN_BYTES:
            return self._too_big(_("消息"), size, DINGTALK_MARKDOWN_BYTES)
        title = title or (text.strip().splitlines() or [""])[0].lstrip("# ").strip()[:60] or _("工作周通报")
        return self._send({"msgtype": "markdown", "markdown": {"title": title, "text": text}})

    def send_image(self, png_bytes: bytes) -> Outcome:
        raise NotImplementedError("a DingTalk custom robot takes no image upload")

    def send_file(self, name: str, data: bytes) -> Outcome:
        raise NotImplementedError("a DingTalk custom robot takes no file")
