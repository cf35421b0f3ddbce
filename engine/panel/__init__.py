"""The Segue panel: a local web page for every DAW (docs/panel.md).

- :mod:`.server`: the adapter, an aiohttp app on the engine's event loop: the page, one WebSocket
  per page, the operations a page asks for, uploads and downloads;
- :mod:`.page`: what a page is sent (the vocabulary, a session's state, bars) and ``PanelClient``,
  a page's WebSocket as a listener of the core;
- :mod:`.security`: the peer, Host, Origin and token checks (pure);
- :mod:`.clips`: MIDI uploads to clips with the CLI's reader, downloads with its writer, and the
  note F1 of a clip's reconstruction (pure);
- ``static/``: the page, plain ES modules and canvases with no build step (package data).
"""

from segue.engine.panel.page import vocabulary
from segue.engine.panel.server import PanelServer, PanelSettings

__all__ = ["PanelServer", "PanelSettings", "vocabulary"]
