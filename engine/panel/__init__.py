"""The Segue panel: a local web page for every DAW (docs/panel.md).

- :mod:`.server`: the adapter, an aiohttp app on the engine's event loop: the page, one WebSocket
  per page (a listener of the core), uploads and downloads;
- :mod:`.security`: the peer, Host, Origin and token checks (pure);
- :mod:`.clips`: MIDI uploads to clips with the CLI's reader, downloads with its writer, and the
  note F1 of a clip's reconstruction (pure);
- ``static/``: the page, plain ES modules and canvases with no build step (package data).
"""

from segue.engine.panel.server import PanelServer, PanelSettings, vocabulary

__all__ = ["PanelServer", "PanelSettings", "vocabulary"]
