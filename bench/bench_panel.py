"""The panel in a real browser, side by side in one run (docs/performance.md, "The panel"):

1. a pad move to new notes drawn in the page: the page sends the move, the engine regenerates the
   coming bars, they stream back and the live roll draws them (time to the first animation frame
   that draws the new version), against a bare WebSocket echo from a page of the same browser to an
   aiohttp endpoint on the engine's own event loop (the floor: browser -> loop -> browser);
2. the page's memory while it streams: the JS heap (after a forced collection) and the DOM node
   count, sampled every 30 s while the transport plays and the puck moves every bar.

    .venv/bin/python bench/bench_panel.py [--moves 40] [--minutes 5] [--tempo 240] [--json out.json]

Headless Debian Chromium through its chromedriver (Selenium), as the tests; the shipped model
(--config NAME: a fresh one of that config instead).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time

from aiohttp import web
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from segue.engine.api import EngineConfig
from segue.engine.panel import PanelSettings
from segue.engine.serving import BackgroundService
from segue.models.inference import LatentModel
from segue.models.loading import example_clips, open_model

FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--window-size=1400,1000")

ECHO_PAGE = """<!doctype html><meta charset="utf-8"><title>echo</title><script>
window.echo = (n) => new Promise((done) => {
  const ws = new WebSocket(`ws://${location.host}/echo`);
  const times = [];
  let t0 = 0;
  ws.onopen = () => { t0 = performance.now(); ws.send(JSON.stringify({ op: "xy", x: 0.5, y: 0.5, id: 0 })); };
  ws.onmessage = () => {
    times.push(performance.now() - t0);
    if (times.length >= n) { ws.close(); done(times); return; }
    const again = () => { t0 = performance.now(); ws.send(JSON.stringify({ op: "xy", x: 0.5, y: 0.5, id: 1 })); };
    setTimeout(again, 20);
  };
});
</script>"""

MOVE = """
const [x, y, done] = arguments;
const app = window.seguePanel;
const t0 = performance.now();
const id = app.nextId++;
app.replies.set(id, { resolve: (r) => {
  const want = r.version;
  const poll = () => {
    if (app.received.version >= want && app.drawn.version >= want) done(app.drawn.at - t0);
    else if (performance.now() - t0 > 10000) done(-1);
    else setTimeout(poll, 1);
  };
  poll();
}, reject: () => done(-1) });
app.ws.send(JSON.stringify({ id, op: "xy", x, y }));
"""


def echo_app() -> web.Application:
    async def page(request):
        return web.Response(text=ECHO_PAGE, content_type="text/html")

    async def echo(request):
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        async for msg in ws:
            await ws.send_str(msg.data)
        return ws

    app = web.Application()
    app.router.add_get("/", page)
    app.router.add_get("/echo", echo)
    return app


def driver() -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tempfile.mkdtemp(prefix='segue-bench-')}")
    d = webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"), options=options)
    d.set_script_timeout(120)
    return d


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def heap(d) -> tuple[float, int]:
    d.execute_cdp_cmd("HeapProfiler.collectGarbage", {})
    metrics = {m["name"]: m["value"] for m in d.execute_cdp_cmd("Performance.getMetrics", {})["metrics"]}
    return metrics["JSHeapUsedSize"] / 2**20, int(metrics["Nodes"])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--moves", type=int, default=40)
    p.add_argument("--minutes", type=float, default=5.0, help="how long the page streams for the memory figure")
    p.add_argument("--tempo", type=float, default=240.0)
    p.add_argument("--config", help="a fresh model of this config instead of the shipped one")
    p.add_argument("--json", help="write the figures here too")
    a = p.parse_args()

    model = LatentModel.fresh(a.config, device="cpu") if a.config else open_model(None, "cpu")
    out: dict = {"model": model.config.name, "tempo": a.tempo}
    with BackgroundService(EngineConfig(port=0), model, panel=PanelSettings(port=0)) as service:
        runner = web.AppRunner(echo_app(), access_log=None)
        service.run(runner.setup())
        site = web.TCPSite(runner, "127.0.0.1", 0)
        service.run(site.start())
        echo_port = runner.addresses[0][1]
        d = driver()
        try:
            d.execute_cdp_cmd("Performance.enable", {})
            d.get(service.service.panel.url)
            deadline = time.monotonic() + 30
            while not d.execute_script("return window.seguePanel.connected") and time.monotonic() < deadline:
                time.sleep(0.1)
            for slot, path in zip("AB", example_clips()):
                d.execute_script("""const e = document.querySelector(`[data-slot="${arguments[0]}"] .example`);
                    e.value = arguments[1]; e.dispatchEvent(new Event("change"));""", slot, path.name)
            time.sleep(3)
            d.execute_script(f'document.getElementById("tempo").value = {a.tempo}')
            d.find_element("id", "play").click()
            time.sleep(2)

            # 1. pad move -> drawn, beside a bare echo
            moves = []
            for k in range(a.moves):
                xy = (0.2, 0.3) if k % 2 else (0.8, 0.7)
                ms = d.execute_async_script(MOVE, *xy)
                if ms >= 0:
                    moves.append(ms)
                time.sleep(0.15)
            panel_url = d.current_window_handle
            d.switch_to.new_window("tab")
            d.get(f"http://127.0.0.1:{echo_port}/")
            echo = d.execute_async_script("window.echo(arguments[0]).then(arguments[1])", a.moves)
            d.close()
            d.switch_to.window(panel_url)
            out["move_to_drawn_ms"] = {"median": statistics.median(moves), "p90": pct(moves, 0.9),
                                       "max": max(moves), "n": len(moves)}
            out["echo_ms"] = {"median": statistics.median(echo), "p90": pct(echo, 0.9), "max": max(echo),
                              "n": len(echo)}

            # 2. memory while streaming, the puck moving every bar
            samples = []
            t0 = time.monotonic()
            next_sample = t0
            k = 0
            bar_seconds = 240.0 / a.tempo
            while (elapsed := time.monotonic() - t0) < a.minutes * 60:
                if time.monotonic() >= next_sample:
                    mb, nodes = heap(d)
                    bars = d.execute_script("return window.seguePanel.received.version")
                    samples.append((round(elapsed, 1), round(mb, 2), nodes, bars))
                    print(f"  {elapsed:6.0f} s  heap {mb:6.2f} MiB  nodes {nodes}  newest version {bars}", flush=True)
                    next_sample += 30
                k += 1
                d.execute_script("window.seguePanel.pad.set(arguments[0], arguments[1], true)",
                                 (k % 10) / 10, ((k * 3) % 10) / 10)
                time.sleep(bar_seconds)
            mb, nodes = heap(d)
            samples.append((round(time.monotonic() - t0, 1), round(mb, 2), nodes,
                            d.execute_script("return window.seguePanel.received.version")))
            late = d.execute_script("return window.seguePanel.late")
            out["memory"] = {"samples": samples, "late_bars": late}
            first_half = [s[1] for s in samples[: len(samples) // 2]]
            second_half = [s[1] for s in samples[len(samples) // 2:]]
            minutes = samples[-1][0] / 60
            slope = (statistics.mean(second_half) - statistics.mean(first_half)) / max(minutes / 2, 1e-9)
            out["memory"]["mib_per_minute"] = round(slope, 4)
            out["memory"]["at_30_min_mib"] = round(samples[-1][1] + slope * max(0.0, 30 - minutes), 2)
        finally:
            d.quit()
            service.run(runner.cleanup())

    m, e = out["move_to_drawn_ms"], out["echo_ms"]
    mem = out["memory"]
    print(f"\nmodel {out['model']}, {a.tempo:g} BPM")
    print("| measure | median ms | p90 ms | max ms | n |\n|---|---|---|---|---|")
    print(f"| pad move -> new notes drawn | {m['median']:.1f} | {m['p90']:.1f} | {m['max']:.1f} | {m['n']} |")
    print(f"| bare WebSocket echo | {e['median']:.1f} | {e['p90']:.1f} | {e['max']:.1f} | {e['n']} |")
    s0, s1 = mem["samples"][0], mem["samples"][-1]
    print(f"\nmemory: heap {s0[1]} -> {s1[1]} MiB, nodes {s0[2]} -> {s1[2]} over {s1[0] / 60:.1f} min "
          f"({s1[3]} versions); {mem['mib_per_minute']:+.3f} MiB/min -> {mem['at_30_min_mib']} MiB at 30 min; "
          f"late bars {mem['late_bars']}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
