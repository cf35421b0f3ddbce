"""The panel's guards: it is a web server on the producer's machine, and any page the producer
visits could try to reach it (cross-site requests, DNS rebinding). Pure functions, no aiohttp.

- the peer: loopback, or a host named with ``--allow`` (the same rule as the OSC adapter);
- the ``Host`` header: the panel's port by ``localhost`` or an IP address, never a DNS name, so
  that a name an attacker rebinds to 127.0.0.1 (DNS rebinding) gets nothing;
- the ``Origin`` header (sent by browsers on WebSockets and POSTs): the panel's own origin only;
- a random token, printed in the URL at start (as Jupyter does) and checked in constant time.
  It is kept in the state folder (0600) so that an open page reconnects after a restart.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

log = logging.getLogger(__name__)
TOKEN_FILE = "panel-token"


def new_token() -> str:
    return secrets.token_urlsafe(24)


def load_token(state_dir: Path | None) -> str:
    """The token kept in ``state_dir`` (made there, 0600, on the first start); a fresh one each
    start without a state folder or when it cannot be read or written."""
    if state_dir is None:
        return new_token()
    path = Path(state_dir) / TOKEN_FILE
    try:
        token = path.read_text().strip()
        if len(token) >= 16 and token.isascii() and token.replace("-", "").replace("_", "").isalnum():
            return token
    except OSError:
        pass
    token = new_token()
    try:
        Path(state_dir).mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(token + "\n")
    except OSError as e:  # the token then lasts this run only
        log.warning("cannot keep the panel's token in %s: %s", path, e.strerror or e)
    return token


def token_ok(given: str | None, token: str) -> bool:
    return bool(given) and hmac.compare_digest(given.encode(), token.encode())


def peer_ok(remote: str | None, allow: tuple[str, ...]) -> bool:
    """Loopback peers, and the hosts of ``--allow``."""
    if not remote:
        return False
    try:
        ip = ipaddress.ip_address(remote.split("%", 1)[0])
    except ValueError:
        return False
    if ip.is_loopback or (ip.version == 6 and ip.ipv4_mapped is not None and ip.ipv4_mapped.is_loopback):
        return True
    return remote in allow or (ip.version == 6 and ip.ipv4_mapped is not None and str(ip.ipv4_mapped) in allow)


def _local_or_ip(name: str) -> bool:
    """``localhost`` or an IP literal: names a DNS lookup cannot rebind to somebody else's site."""
    if name.lower() == "localhost":
        return True
    try:
        ipaddress.ip_address(name[1:-1] if name.startswith("[") and name.endswith("]") else name)
        return True
    except ValueError:
        return False


def host_ok(header: str | None, port: int) -> bool:
    """Whether a ``Host`` header names the panel: its port, by ``localhost`` or an IP address (never
    a DNS name, which a rebinding attack would send)."""
    if not header:
        return False
    name, sep, given = header.rpartition(":")
    if not sep or not given.isdigit() or int(given) != port or not name:
        return False
    return _local_or_ip(name)


def origin_ok(origin: str | None, port: int) -> bool:
    """Whether ``origin`` is the panel's own (http, a name ``host_ok`` takes, its port)."""
    if not origin:
        return False
    try:
        parts = urlsplit(origin)
    except ValueError:
        return False
    if parts.scheme != "http" or parts.path not in ("", "/") or parts.query or "@" in parts.netloc:
        return False
    return host_ok(parts.netloc, port)
