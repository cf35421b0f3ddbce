// End to end: two Segue device controllers run under Node with the fake Live API and real UDP
// sockets (a send socket and a separate receive socket each, like [udpsend]/[udpreceive]) against
// a real engine, the song position fed to them as Max's [qmetro] -> [when] would. Usage: node e2e_engine.js ENGINE_PORT [FIRST_REPLY_PORT]
// Prints one JSON object describing what happened; tests/test_device.py checks it.
"use strict";
const { Registry } = require("../js/device");
const { FakeLive } = require("./fake_live");

const enginePort = parseInt(process.argv[2], 10);
const firstPort = parseInt(process.argv[3] || "9800", 10);
const fake = new FakeLive({ scenes: 8 });
const registry = new Registry(firstPort, firstPort + 99);
const melodyA = [60, 62, 64, 65, 67, 65, 64, 62].map((p, k) => ({ pitch: p, start: k, duration: 0.9, velocity: 100 }));
const melodyB = [72, 71, 69, 67, 69, 71, 72, 74].map((p, k) => ({ pitch: p, start: k * 1 + 0.5, duration: 0.4, velocity: 80 }));
for (const t of [0, 1]) {
  fake.addTrack("Keys " + (t + 1));
  fake.putClip(t, 0, 8, melodyA, "Tune A");
  fake.putClip(t, 1, 8, melodyB, "Tune B");
}
const before = JSON.stringify(fake.tracks.map((t) => t.slots.slice(0, 2)));
fake.song.tempo = 240;

const { makeDevice: make, transport, wait, has } = require("./e2e_lib");
const started = Date.now();
const makeDevice = (track) => make({ fake, registry, enginePort, started, track });
const one = makeDevice(0), two = makeDevice(1);
const devices = [one, two];
const song = transport(fake);
const ticker = setInterval(() => { for (const d of devices) d.dev.tick(song.beat()); }, 5); // [qmetro] -> [when]

async function main() {
  for (const [k, d] of devices.entries()) {
    d.dev.setClip("A", { track: k, scene: 0 });
    d.dev.setClip("B", { track: k, scene: 1 });
    d.dev.start();
  }
  await wait(() => devices.every((d) => d.dev.encoded.A && d.dev.encoded.B), 30000, "both devices encoded");
  one.dev.knob("morph", 0.5);
  one.dev.knob("temperature", 0.5);
  two.dev.knob("morph", 0.8);
  song.play();
  await wait(() => one.events.filter((e) => e[0] === "bar").length >= 3 && song.beat() > 12 &&
             two.events.some((e) => e[0] === "bar"), 30000, "bars");
  one.dev.knob("morph", 1.0); // a newer version of the coming bars
  await wait(() => song.beat() > 20, 30000, "more bars");
  song.stop();
  await new Promise((r) => setTimeout(r, 50));
  one.dev.setBars(2);
  fake.notify(() => one.dev.capture()); // pressed from a notification (a live.button observer): deferred
  await wait(() => has(one, "captured"), 10000, "capture");
  one.dev.setSteps(3);
  two.dev.setSteps(2);
  one.dev.write(); two.dev.write();
  await wait(() => has(one, "written") && has(two, "written"), 60000, "written clips");
  const after = JSON.stringify(fake.tracks.map((t) => t.slots.slice(0, 2)));
  const result = {
    sources_untouched: before === after,
    instances: devices.map((d) => d.dev.instance),
    ports: devices.map((d) => d.dev.port),
    states: devices.map((d) => d.dev.state),
    status: devices.map((d) => d.dev.statusText()),
    bars: devices.map((d) => d.events.filter((e) => e[0] === "bar").map((e) => e[1])),
    notes_out: devices.map((d) => d.notes),
    errors: devices.map((d) => d.events.filter((e) => e[0] === "error").map((e) => e[1])),
    clips: fake.tracks.map((t) => t.slots.map((c) => c && { name: c.name, length: c.loop_end - c.loop_start,
      notes: c.notes.map((n) => [n.pitch, n.start_time, n.duration, n.velocity]) })),
    writes: fake.writes,
  };
  process.stdout.write(JSON.stringify(result) + "\n");
}

const timer = setTimeout(() => { console.log(JSON.stringify({ timeout: true })); process.exit(1); }, 120000);
main().then(() => { clearInterval(ticker); clearTimeout(timer); devices.forEach((d) => { d.dev.stop(); d.close(); }); setTimeout(() => process.exit(0), 50); },
            (e) => { console.log(JSON.stringify({ failed: String(e.stack || e), status: devices.map((d) => d.dev.statusText()), events: devices.map((d) => d.events.slice(-10)) })); process.exit(1); });
