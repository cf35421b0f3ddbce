"""Where an OSC sender's replies go, remembered across restarts.

A client names its reply port in its hello (Max's ``[udpsend]`` never reads its own port, so
replies cannot go back to the source address). The OSC adapter keeps that port per source
address, so that errors still reach a sender whose session is gone (after an engine restart, say),
and writes the table to ``osc-senders.json`` in the state folder, at most once a second.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)
KNOWN_SENDERS = 512  # source addresses whose reply port is remembered (the oldest is forgotten first)
FILE = "osc-senders.json"


class ReplyPorts:
    def __init__(self, state_dir: Path | None, warn: Callable[[str, str, object, object], None] | None = None):
        self.file = Path(state_dir) / FILE if state_dir else None
        self.ports: dict[tuple[str, int], int] = self._load()
        self._pending = False
        self._warn = warn or (lambda key, message, *args: log.warning(message, *args))

    def _load(self) -> dict[tuple[str, int], int]:
        try:
            rows = json.loads(self.file.read_text()) if self.file else []
            return {(str(h), int(p)): int(r) for h, p, r in rows}
        except (OSError, ValueError, TypeError):
            return {}

    def get(self, source: tuple[str, int]) -> int | None:
        return self.ports.get(source)

    def remember(self, source: tuple[str, int], reply_port: int) -> None:
        """``source`` said hello naming ``reply_port``: kept, newest last; written within a second."""
        if self.ports.get(source) == reply_port:
            return
        self.ports.pop(source, None)
        self.ports[source] = reply_port
        while len(self.ports) > KNOWN_SENDERS:
            del self.ports[next(iter(self.ports))]
        if self.file is None or self._pending:
            return
        try:  # at most one write a second, however many hellos arrive
            self._pending = True
            asyncio.get_running_loop().call_later(1.0, self.save)
        except RuntimeError:  # no loop (a test calling it directly): now
            self.save()

    def save(self) -> None:
        self._pending = False
        if self.file is None:
            return
        try:
            tmp = self.file.with_suffix(".json.partial")
            tmp.write_text(json.dumps([[h, p, r] for (h, p), r in self.ports.items()]))
            os.replace(tmp, self.file)
        except OSError as e:  # only a faster reconnect after a restart depends on it
            self._warn("senders", "cannot save %s: %s", self.file, e)

    def close(self) -> None:
        if self._pending:
            self.save()
