// End-to-end scenarios of a device in a real Live set, run against a real engine with device
// controllers on real UDP sockets and the fake Live set (tests/maxpatch/test_device.py runs them).
//
//   node e2e_scenarios.js duplicates ENGINE_PORT FIRST_REPLY_PORT
//     Two devices restored from one store in one Max (a duplicated track), and a third in another
//     Max (its own registry: another Live with a copy of the set open) with the same id.
//   node e2e_scenarios.js play ENGINE_PORT FIRST_REPLY_PORT
//     One device, stopped at bar 1: the engine primes bars 0 and 1; Play; what is heard of bar 0.
//   node e2e_scenarios.js pad ENGINE_PORT FIRST_REPLY_PORT
//     One device with four clips: the XY pad off (C and D not read), on (A B C D to the engine, the
//     puck on corner D: the bars are clip D itself), off again (the morph knob's A).
//   node e2e_scenarios.js tools ENGINE_PORT FIRST_REPLY_PORT
//     One device on a drum track, the engine offering tests/conftest.py's tool_models: what each model
//     greys out; Groove on a GrooVAE humanize model and Drumify on a tap model, each written as a new
//     clip into an empty slot with the source untouched; chords typed, refused, read from a clip; weak
//     knobs marked.
//   node e2e_scenarios.js late ENGINE_PORT FIRST_REPLY_PORT
//     Three devices started before the engine: prints {"ready": true}, waits for a line on stdin
//     (the test has started the engine), then reports how long each took to connect.
// Each prints one JSON object as its last line.
"use strict";
const readline = require("node:readline");
const { Registry } = require("../js/device");
const { FakeLive } = require("./fake_live");
const { makeDevice, transport, wait, sleep, count } = require("./e2e_lib");

const [scenario, enginePortArg, firstPortArg] = process.argv.slice(2);
const enginePort = parseInt(enginePortArg, 10);
const firstPort = parseInt(firstPortArg || "9800", 10);
const started = Date.now();
const melodyA = [60, 62, 64, 65, 67, 65, 64, 62].map((p, k) => ({ pitch: p, start: k, duration: 0.9, velocity: 100 }));
const melodyB = [72, 71, 69, 67, 69, 71, 72, 74].map((p, k) => ({ pitch: p, start: k + 0.5, duration: 0.4, velocity: 80 }));

function liveSet(tracks) {
  const fake = new FakeLive({ scenes: 8 });
  for (let t = 0; t < tracks; t++) {
    fake.addTrack("Keys " + (t + 1));
    fake.putClip(t, 0, 8, melodyA, "Tune A");
    fake.putClip(t, 1, 8, melodyB, "Tune B");
  }
  return fake;
}
function storeWith(id) { const d = { instance: id }; return { get: (k) => d[k], set: (k, v) => { d[k] = v; }, data: d }; }
const devices = [];
let song = null;
const ticker = setInterval(() => { for (const d of devices) d.dev.tick(song ? song.beat() : 0); }, 5);
function add(opts) {
  const d = makeDevice({ enginePort, started, track: 0, ...opts });
  devices.push(d);
  return d;
}
const summary = (d) => ({ instance: d.dev.instance, state: d.dev.state, port: d.dev.port,
                          hellos: count(d, "connected") + count(d, "reconnected"), lost: count(d, "lost"),
                          in_use: count(d, "in-use"), events: d.events.map((e) => e[0]) });

async function duplicates() {
  const fake = liveSet(3);
  const registry = new Registry(firstPort, firstPort + 49);
  const id = "segue-0123456789ab";
  const one = add({ fake, registry, store: storeWith(id), track: 0 });
  const copy = storeWith(id);
  const two = add({ fake, registry, store: copy, track: 1 });
  const elsewhere = storeWith(id);
  const three = add({ fake, registry: new Registry(firstPort + 50, firstPort + 99), store: elsewhere, track: 2 });
  for (const [k, d] of [one, two, three].entries()) {
    d.dev.setClip("A", { track: k, scene: 0 });
    d.dev.setClip("B", { track: k, scene: 1 });
    d.dev.start();
  }
  await wait(() => devices.every((d) => d.dev.state === "connected" && d.dev.encoded.A && d.dev.encoded.B), 40000,
             "all three connected and encoded");
  await sleep(3000); // and nobody fights afterwards
  return { devices: devices.map(summary), saved: [one, two, three].map((d) => d.env.store.get("instance")),
           copy_saved: copy.data.instance, elsewhere_saved: elsewhere.data.instance };
}

async function play() {
  const fake = liveSet(1);
  song = transport(fake);
  const d = add({ fake, registry: new Registry(firstPort, firstPort + 99), track: 0 });
  d.dev.setClip("A", { track: 0, scene: 0 });
  d.dev.setClip("B", { track: 0, scene: 1 });
  d.dev.knob("temperature", 0);
  d.dev.start();
  await wait(() => d.dev.encoded.A && d.dev.encoded.B, 30000, "encoded");
  // stopped at bar 1: the engine primes bars 0 and 1 (at the session's current version)
  await wait(() => d.dev.queue.get(0) && d.dev.queue.get(1) && d.dev.queue.get(0).version === d.dev.queue.get(1).version,
             20000, "bars 0 and 1 primed while stopped");
  await sleep(300);
  const primed = d.dev.queue.get(0);
  const bar0 = primed.notes.map((n) => [n.pitch, n.start]);
  const version = primed.version;
  const playAt = Date.now() - started;
  song.play();
  await wait(() => song.beat() > 5, 10000, "a bar and a bit");
  song.stop();
  await sleep(50);
  const ons = d.notes.filter((n) => n[1] > 0).map((n) => [n[0], n[2] - playAt]);
  return { bar0, version, played_version: d.dev.queue.get(0) ? d.dev.queue.get(0).version : null,
           ons_ms: ons, ms_per_beat: 60000 / fake.song.tempo, dropped: d.dev.player.dropped,
           device: summary(d) };
}

async function late() {
  const fake = liveSet(3);
  const registry = new Registry(firstPort, firstPort + 99);
  for (let k = 0; k < 3; k++) {
    const d = add({ fake, registry, track: k });
    d.dev.setClip("A", { track: k, scene: 0 });
    d.dev.start();
  }
  console.log(JSON.stringify({ ready: true }));
  const rl = readline.createInterface({ input: process.stdin });
  await new Promise((resolve) => rl.once("line", resolve));
  rl.close();
  const up = Date.now() - started;
  await wait(() => devices.every((d) => d.dev.state === "connected"), 15000, "all connected");
  const connectedMs = devices.map((d) => d.events.find((e) => e[0] === "connected")[2] - up);
  return { connected_ms: connectedMs, ports: devices.map((d) => d.dev.port), bad: registry.bad,
           listens: devices.map((d) => count(d, "port-bad")), devices: devices.map(summary) };
}

async function pad() {
  const fake = liveSet(1);
  const corner = [84, 86, 88, 89].map((p, k) => ({ pitch: p, start: k, duration: 0.5, velocity: 90 }));
  fake.putClip(0, 2, 8, melodyB.map((n) => ({ ...n, pitch: n.pitch - 12 })), "Tune C");
  fake.putClip(0, 3, 8, corner, "Tune D");
  const d = add({ fake, registry: new Registry(firstPort, firstPort + 99), track: 0 });
  const replies = [];
  const receive = d.dev.receive.bind(d.dev);
  d.dev.receive = (address, args) => { if (address.startsWith("/segue/xy/")) replies.push([address, ...args]); receive(address, args); };
  for (const [slot, scene] of [["A", 0], ["B", 1], ["C", 2], ["D", 3]]) d.dev.setClip(slot, { track: 0, scene });
  d.dev.start();
  await wait(() => d.dev.encoded.A && d.dev.encoded.B, 30000, "A and B encoded");
  await sleep(500);
  const offEncoded = Object.keys(d.dev.encoded).sort();
  d.dev.setPad(1);
  await wait(() => d.dev.encoded.C && d.dev.encoded.D, 30000, "C and D encoded once the pad is on");
  d.dev.setXY("x", 1, "pad");
  d.dev.setXY("y", 1, "pad");
  const onD = () => replies.find((r) => r[0] === "/segue/xy/set" && r[2] === 1 && r[3] === 1);
  await wait(onD, 5000, "the puck on corner D");
  const version = onD()[4];
  await wait(() => d.dev.queue.get(0) && d.dev.queue.get(0).version >= version, 20000, "bar 0 at the corner's version");
  const atD = d.dev.queue.get(0).notes.map((n) => [n.pitch, n.start]);
  d.dev.setPad(0);
  await wait(() => replies.filter((r) => r[0] === "/segue/xy/slots").length >= 2, 5000, "the pad off");
  await sleep(200);
  await wait(() => d.dev.queue.get(0) && d.dev.queue.get(0).version > version, 20000, "bar 0 after the pad");
  const atA = d.dev.queue.get(0).notes.map((n) => [n.pitch, n.start]);
  return { off_encoded: offEncoded, replies, at_d: atD, at_a: atA, corner: corner.map((n) => [n.pitch, n.start]),
           clip_a: melodyA.filter((n) => n.start < 4).map((n) => [n.pitch, n.start]), device: summary(d) };
}

async function tools() {
  const fake = new FakeLive({ scenes: 6 });
  fake.addTrack("Drums", true);
  fake.addTrack("Keys");
  const beat = [];
  for (let b = 0; b < 8; b++) beat.push({ pitch: 36, start: b, duration: 0.25, velocity: 100 });
  for (const b of [1, 3, 5, 7]) beat.push({ pitch: 38, start: b, duration: 0.25, velocity: 100 });
  for (let h = 0; h < 16; h++) beat.push({ pitch: 42, start: h / 2, duration: 0.25, velocity: 100 });
  fake.putClip(0, 0, 8, beat, "Beat");
  fake.putClip(1, 0, 8, Array.from({ length: 10 }, (_, k) => ({ pitch: 64, start: k * 0.75, duration: 0.25, velocity: 90 })), "Taps");
  fake.putClip(1, 1, 8, [57, 60, 64].map((p) => ({ pitch: p, start: 0, duration: 4, velocity: 80 }))
    .concat([55, 59, 62].map((p) => ({ pitch: p, start: 4, duration: 4, velocity: 80 }))), "Harmony");
  const clip = (track, scene) => {
    const c = fake.tracks[track].slots[scene];
    return c && { name: c.name, length: c.loop_end - c.loop_start,
                  notes: c.notes.map((n) => [n.pitch, n.start_time, n.duration, n.velocity]) };
  };
  const before = [clip(0, 0), clip(1, 0), clip(1, 1)];
  const d = add({ fake, registry: new Registry(firstPort, firstPort + 99), track: 0 });
  d.dev.start();
  const state = () => ({ choice: d.dev.model && d.dev.model.choice, capabilities: d.dev.model && d.dev.model.capabilities,
                         unavailable: { ...d.dev.unavailable }, boxes: JSON.parse(JSON.stringify(d.boxes)),
                         message: d.dev.message });
  const choose = async (name) => {
    await wait(() => d.dev.models && d.dev.models.includes(name), 20000, "the model list");
    d.dev.chooseModel(d.dev.models.indexOf(name));
    await wait(() => d.dev.model.choice === name &&
                     !Object.values(d.dev.pending).some((p) => ["choose", "info", "unavailable"].includes(p.what)),
               30000, "model " + name + " and what it cannot do");
  };
  await wait(() => d.dev.state === "connected" && d.dev.confirmed && d.dev.model.capabilities &&
                   Object.keys(d.dev.unavailable).length, 30000, "connected, with what the model cannot do");
  const models = { default: state() };
  const untouched = d.dev.regroove(false); // greyed out: refused with the reason, nothing asked
  models.default.pressed = { ok: untouched, message: d.dev.message };

  await choose("grooveh");
  models.grooveh = state();
  d.dev.setClip("tool", { track: 0, scene: 0 });
  d.dev.setToolParam("amount", 1);
  const t0 = Date.now();
  d.dev.regroove(false);
  await wait(() => d.events.some((e) => e[0] === "grooved"), 30000, "the grooved clip written");
  const grooveMs = Date.now() - t0;
  const drumifyRefused = d.dev.regroove(true) ? null : d.dev.message;

  await choose("groovet");
  models.groovet = state();
  d.dev.setClip("tool", { track: 1, scene: 0 });
  d.dev.regroove(true);
  await wait(() => d.events.some((e) => e[0] === "drumified"), 30000, "the drumified clip written");

  await choose("chordmel");
  models.chordmel = state();
  const chords = [];
  const chordsStep = async (fn) => {
    const rid = d.dev.rid;
    fn();
    await wait(() => !Object.keys(d.dev.pending).some((k) => Number(k) > rid && ["chords", "clip", "clip-end"].includes(d.dev.pending[k].what)),
               20000, "the chords answered");
    await sleep(50);
    chords.push({ text: d.dev.chords.text, error: d.dev.chords.error, field: d.boxes.chords && d.boxes.chords.set,
                  caption: [0, 1, 2].map((k) => d.boxes["chords_why_" + k].set).filter(Boolean).join(" ") });
  };
  await chordsStep(() => d.dev.setChords("C G Am F"));
  await chordsStep(() => d.dev.setChords("C Hm"));
  d.dev.setClip("tool", { track: 1, scene: 1 });
  await chordsStep(() => d.dev.chordsFromClip());

  await choose("calibrated");
  models.calibrated = state();
  await choose("default");
  models.back = state();
  return { models, chords, groove_ms: grooveMs, drumify_refused: drumifyRefused, before,
           after: [clip(0, 0), clip(1, 0), clip(1, 1)], clips: fake.tracks.map((t, k) => t.slots.map((_, s) => clip(k, s))),
           writes: fake.writes, device: summary(d) };
}

const run = { duplicates, play, late, pad, tools }[scenario];
const timer = setTimeout(() => { console.log(JSON.stringify({ timeout: true, devices: devices.map(summary) })); process.exit(1); },
                         150000);
run().then((out) => {
  clearInterval(ticker); clearTimeout(timer);
  devices.forEach((d) => { d.dev.stop(); d.close(); });
  console.log(JSON.stringify(out));
  setTimeout(() => process.exit(0), 50);
}, (e) => {
  console.log(JSON.stringify({ failed: String(e.stack || e), devices: devices.map(summary) }));
  process.exit(1);
});
