"""Reply ports per source address: remembered newest last, bounded, written and read back."""

from __future__ import annotations

import json

from segue.engine import reply_ports
from segue.engine.reply_ports import ReplyPorts


def test_reply_ports_are_kept_across_a_restart(tmp_path):
    ports = ReplyPorts(tmp_path)
    ports.remember(("127.0.0.1", 5000), 6000)  # no event loop here: written at once
    assert json.loads((tmp_path / reply_ports.FILE).read_text()) == [["127.0.0.1", 5000, 6000]]
    again = ReplyPorts(tmp_path)
    assert again.get(("127.0.0.1", 5000)) == 6000 and again.get(("127.0.0.1", 5001)) is None


def test_the_oldest_sender_is_forgotten_first(tmp_path, monkeypatch):
    monkeypatch.setattr(reply_ports, "KNOWN_SENDERS", 3)
    ports = ReplyPorts(None)
    for k in range(4):
        ports.remember(("127.0.0.1", k), 7000 + k)
    ports.remember(("127.0.0.1", 1), 7100)  # a new hello makes it the newest
    ports.remember(("127.0.0.1", 9), 7009)
    assert list(ports.ports) == [("127.0.0.1", 3), ("127.0.0.1", 1), ("127.0.0.1", 9)]


def test_a_damaged_file_or_an_unwritable_folder_only_costs_the_memory(tmp_path):
    (tmp_path / reply_ports.FILE).write_text("{not json")
    assert ReplyPorts(tmp_path).ports == {}
    warned = []
    ports = ReplyPorts(tmp_path / "gone", lambda key, message, *args: warned.append(key))
    ports.remember(("::1", 1), 2)
    assert warned == ["senders"] and ports.get(("::1", 1)) == 2
