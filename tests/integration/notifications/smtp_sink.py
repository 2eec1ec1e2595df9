"""A small SMTP server on 127.0.0.1 that keeps what it receives: standard library only.

Enough of RFC 5321 for smtplib: EHLO/HELO, AUTH PLAIN and LOGIN, MAIL, RCPT, DATA (with dot
un-stuffing), RSET, NOOP, QUIT. It speaks plain SMTP without STARTTLS, as a local relay does,
and records the credentials it was given so a test can check the login step too.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage


@dataclass
class Received:
    sender: str
    recipients: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        parsed = message_from_bytes(self.data, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class SmtpSink:
    host: str = "127.0.0.1"
    port: int = 0
    messages: list[Received] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)
    _server: asyncio.Server | None = None

    async def __aenter__(self) -> SmtpSink:
        self._server = await asyncio.start_server(self._session, self.host, 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        async def reply(line: str) -> None:
            writer.write(line.encode() + b"\r\n")
            await writer.drain()

        sender, recipients = "", list[str]()
        await reply("220 sink ESMTP")
        try:
            while line := await reader.readline():
                verb, _, rest = line.decode().rstrip("\r\n").partition(" ")
                verb = verb.upper()
                if verb == "EHLO":
                    await reply("250-sink\r\n250-AUTH PLAIN LOGIN\r\n250-8BITMIME\r\n250 SMTPUTF8")
                elif verb == "HELO":
                    await reply("250 sink")
                elif verb == "AUTH":
                    await self._auth(rest, reader, reply)
                elif verb == "MAIL":
                    sender, recipients = rest.split(":", 1)[1].split()[0].strip("<>"), []
                    await reply("250 OK")
                elif verb == "RCPT":
                    recipients.append(rest.split(":", 1)[1].strip().strip("<>"))
                    await reply("250 OK")
                elif verb == "DATA":
                    await reply("354 End data with <CR><LF>.<CR><LF>")
                    lines = []
                    while (chunk := await reader.readline()) not in (b".\r\n", b""):
                        lines.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                    self.messages.append(Received(sender, recipients, b"".join(lines)))
                    await reply("250 OK: queued")
                elif verb in ("RSET", "NOOP"):
                    await reply("250 OK")
                elif verb == "QUIT":
                    await reply("221 Bye")
                    break
                else:
                    await reply("502 Command not implemented")
        finally:
            writer.close()

    async def _auth(
        self,
        rest: str,
        reader: asyncio.StreamReader,
        send: Callable[[str], Awaitable[None]],
    ) -> None:
        mechanism, _, initial = rest.partition(" ")
        if mechanism.upper() == "PLAIN":
            if not initial:
                await send("334 ")
                initial = (await reader.readline()).decode().strip()
            _, user, password = base64.b64decode(initial).decode().split("\0")
        else:  # LOGIN
            await send("334 VXNlcm5hbWU6")
            user = base64.b64decode((await reader.readline()).strip()).decode()
            await send("334 UGFzc3dvcmQ6")
            password = base64.b64decode((await reader.readline()).strip()).decode()
        self.logins.append((user, password))
        await send("235 Authentication successful")
