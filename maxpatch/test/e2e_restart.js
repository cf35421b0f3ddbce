// End to end across an engine restart: one device connects and encodes A and B, prints
// {"ready": true}, and waits for a line on stdin (the test restarts the engine on the same port
// meanwhile, with the same state folder). The restarted engine answers the device's next request
// with "no session" on the device's reply port, so the device says hello again at once (no loss
// timeout), uploads and encodes again, and renders.
// Usage: node e2e_restart.js ENGINE_PORT [FIRST_REPLY_PORT]
"use strict";
const readline = require("node:readline");
const { Registry } = require("../js/device");
const { FakeLive } = require("./fake_live");
const { makeDevice, wait, has } = require("./e2e_lib");

const enginePort = parseInt(process.argv[2], 10);
const firstPort = parseInt(process.argv[3] || "9900", 10);
const fake = new FakeLive({ scenes: 6 });
fake.addTrack("Keys");
fake.putClip(0, 0, 8, [60, 62, 64, 67].map((p, k) => ({ pitch: p, start: k * 2, duration: 1, velocity: 100 })), "A");
fake.putClip(0, 1, 8, [72, 69, 67, 64].map((p, k) => ({ pitch: p, start: k * 2, duration: 1, velocity: 90 })), "B");
const d = makeDevice({ fake, registry: new Registry(firstPort, firstPort + 50), enginePort, started: Date.now(),
                       track: 0 });
const ticker = setInterval(() => d.dev.tick(0), 5);
const encodedCount = () => d.events.filter((e) => e[0] === "encoded").length;

async function main() {
  d.dev.setClip("A", { track: 0, scene: 0 });
  d.dev.setClip("B", { track: 0, scene: 1 });
  d.dev.start();
  await wait(() => d.dev.encoded.A && d.dev.encoded.B, 30000, "encoded");
  const instance = d.dev.instance;
  console.log(JSON.stringify({ ready: true }));
  const rl = readline.createInterface({ input: process.stdin });
  await new Promise((resolve) => rl.once("line", resolve));
  rl.close();
  const before = encodedCount();
  const back = Date.now();
  // the keep-alive (the transport, every second) gets "no session" from the new engine: hello again
  await wait(() => has(d, "reconnected") && encodedCount() >= before + 2, 30000, "reconnected and re-encoded");
  const reconnectedMs = Date.now() - back;
  d.dev.setSteps(2);
  d.dev.write();
  await wait(() => has(d, "written"), 30000, "written");
  const clips = fake.tracks[0].slots.map((c) => c && c.name);
  console.log(JSON.stringify({ instance_kept: d.dev.instance === instance, state: d.dev.state, clips, reconnectedMs,
                               events: d.events.map((e) => e[0]) }));
}

const timer = setTimeout(() => { console.log(JSON.stringify({ timeout: true, events: d.events })); process.exit(1); }, 90000);
main().then(() => { clearInterval(ticker); clearTimeout(timer); d.dev.stop(); d.close(); setTimeout(() => process.exit(0), 50); },
            (e) => { console.log(JSON.stringify({ failed: String(e), status: d.dev.statusText(), events: d.events })); process.exit(1); });
