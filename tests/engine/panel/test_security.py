"""The panel's guards, as pure functions: peers, Host headers (DNS rebinding), Origins, the token."""

import stat

from segue.engine.panel import security


def test_peers_are_loopback_or_allowed():
    assert security.peer_ok("127.0.0.1", ())
    assert security.peer_ok("127.4.5.6", ())
    assert security.peer_ok("::1", ())
    assert security.peer_ok("::ffff:127.0.0.1", ())  # an IPv4 peer of a dual-stack socket
    assert not security.peer_ok("192.168.1.20", ())
    assert security.peer_ok("192.168.1.20", ("192.168.1.20",))
    assert security.peer_ok("::ffff:192.168.1.20", ("192.168.1.20",))
    assert not security.peer_ok(None, ())
    assert not security.peer_ok("not-an-ip", ())


def test_host_headers_name_the_panel_by_ip_or_localhost_only():
    assert security.host_ok("127.0.0.1:9798", 9798)
    assert security.host_ok("localhost:9798", 9798)
    assert security.host_ok("LOCALHOST:9798", 9798)
    assert security.host_ok("[::1]:9798", 9798)
    assert security.host_ok("192.168.1.5:9798", 9798)  # a LAN address with --host and --allow
    assert not security.host_ok("127.0.0.1:9797", 9798)  # another port
    assert not security.host_ok("evil.example:9798", 9798)  # DNS rebinding: a name resolving to 127.0.0.1
    assert not security.host_ok("127.0.0.1.nip.io:9798", 9798)
    assert not security.host_ok("127.0.0.1", 9798)
    assert not security.host_ok("", 9798) and not security.host_ok(None, 9798)


def test_origins_are_the_panels_own():
    assert security.origin_ok("http://127.0.0.1:9798", 9798)
    assert security.origin_ok("http://localhost:9798", 9798)
    assert not security.origin_ok("http://127.0.0.1:8000", 9798)  # another local web page
    assert not security.origin_ok("https://127.0.0.1:9798", 9798)
    assert not security.origin_ok("http://evil.example:9798", 9798)
    assert not security.origin_ok("null", 9798)  # a sandboxed frame or a file: page
    assert not security.origin_ok("http://user@127.0.0.1:9798", 9798)
    assert not security.origin_ok(None, 9798)


def test_the_token_is_kept_in_the_state_folder_readable_by_its_owner_only(tmp_path):
    first = security.load_token(tmp_path / "state")
    assert len(first) >= 24 and security.load_token(tmp_path / "state") == first  # the same after a restart
    path = tmp_path / "state" / security.TOKEN_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    path.write_text("short\n")  # damaged: a fresh one
    assert security.load_token(tmp_path / "state") not in ("short", first)
    assert security.load_token(None) != security.load_token(None)  # no state folder: fresh each start
    assert security.token_ok(first, first)
    assert not security.token_ok(first[:-1], first) and not security.token_ok("", first)
    assert not security.token_ok(None, first)
