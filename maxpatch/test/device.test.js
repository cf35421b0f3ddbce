"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const { Device, PortRegistry } = require("../js/device");
const { FakeLive, NOTIFY_ERROR } = require("./fake_live");
const { makeEnv } = require("./helpers");

// A scripted engine: answers requests as docs/osc.md says (queued; pump() delivers them).
function fakeEngine(opts = {}) {
  const e = { out: [], sessions: {}, alive: true, kind: opts.kind || "melody", version: 0, uploads: {} };
  e.handle = (m) => {
    if (!e.alive) return;
    const [addr, rid, ...a] = m;
    const r = (...x) => e.out.push(x);
    if (addr === "/segue/hello") {
      const resumed = e.sessions[a[0]] ? 1 : 0;
      e.sessions[a[0]] = { port: a[1] };
      r("/segue/hello", rid, a[0], resumed, "0.1", "tiny", "cpu", "CC-BY-4.0");
    } else if (!Object.keys(e.sessions).length) r("/segue/error", rid, addr, "no session: send /segue/hello first");
    else if (addr === "/segue/ping") r("/segue/pong", rid, 1.0);
    else if (addr === "/segue/model/info") r("/segue/model/info", rid, "tiny", e.kind, 2, 8, 0, "cpu", "CC-BY-4.0");
    else if (addr === "/segue/clip/begin") { e.uploads[a[0]] = { notes: [], kind: a[3] }; r("/segue/clip/ack", rid, a[0], -1); }
    else if (addr === "/segue/clip/notes") { e.uploads[a[0]].notes.push(...a.slice(2)); r("/segue/clip/ack", rid, a[0], a[1]); }
    else if (addr === "/segue/clip/end") r("/segue/clip/ack", rid, a[0], -2);
    else if (addr === "/segue/slot/encode") r("/segue/slot/encode", rid, a[0], 1, 2, 2);
    else if (addr.startsWith("/segue/knob/set/")) r(addr, rid, a[0], ++e.version);
    else if (addr === "/segue/render") {
      r("/segue/render/begin", rid, a[0], 2);
      for (let s = 0; s < a[0]; s++) r("/segue/render/notes", rid, s, 0, 60 + s, 0, 1, 100, 64, 4, 2, 90);
      r("/segue/render/end", rid);
    } else if (addr === "/segue/transport/set") r(addr, rid);
  };
  return e;
}

function rig(opts = {}) {
  const fake = opts.fake || new FakeLive({ scenes: 6 });
  if (!opts.fake) {
    fake.addTrack("Keys");
    fake.addTrack("Drums", true);
    fake.putClip(0, 0, 8, [{ pitch: 60, start: 0, duration: 1, velocity: 100 }, { pitch: 64, start: 4, duration: 2, velocity: 90 }], "A");
    fake.putClip(0, 1, 8, [{ pitch: 67, start: 1, duration: 1, velocity: 80 }], "B");
    fake.putClip(1, 0, 4, [{ pitch: 36, start: 0, duration: 0.25, velocity: 120 }], "Beat");
  }
  const engine = opts.engine || fakeEngine();
  const env = makeEnv(fake, { onSend: (m) => engine.handle(m), ports: opts.ports, store: opts.store });
  const dev = new Device(env);
  // Replies arrive as Live would deliver observer callbacks: inside a notification, to be strict.
  const pump = () => { while (engine.out.length) { const [a, ...x] = engine.out.shift(); fake.notify(() => dev.receive(a, x)); } };
  return { fake, engine, env, dev, pump };
}

test("hello carries a persistent instance id and the reply port; the id is saved in the store", () => {
  const { env, dev, pump } = rig();
  dev.start();
  const hello = env.sent[0];
  assert.equal(hello[0], "/segue/hello");
  assert.match(hello[2], /^segue-[0-9a-f]{12}$/);
  assert.equal(hello[3], 9800);
  assert.deepEqual(env.listening, [9800]);
  assert.equal(env.store.get("instance"), hello[2]);
  pump();
  assert.equal(dev.state, "connected");
  assert.match(dev.statusText(), /^connected · tiny \(CC-BY-4.0\) · CPU/);
  // a device loaded again with the set keeps its id
  const again = rig({ store: env.store });
  again.dev.start();
  assert.equal(again.env.sent[0][2], hello[2]);
});

test("two devices in one Max get different reply ports; a silent port is swapped for the next free one", () => {
  const ports = new PortRegistry();
  const one = rig({ ports }), two = rig({ ports });
  one.dev.start(); two.dev.start();
  assert.notEqual(one.env.sent[0][2], two.env.sent[0][2]);
  assert.deepEqual([one.env.listening[0], two.env.listening[0]], [9800, 9801]);
  const three = rig({ ports, engine: Object.assign(fakeEngine(), { alive: false }) });
  three.engine.alive = false;
  three.dev.start();
  for (let t = 1; t <= 3; t++) { three.env.clock = t * 1000; three.dev.tick(); }
  assert.ok(three.env.listening.length >= 2);
  assert.ok(!three.env.listening.slice(1).includes(9800) && !three.env.listening.slice(1).includes(9801));
  one.dev.stop();
  assert.equal(ports.owners[9800], undefined);
});

test("clips upload in chunks and encode into A and B; knobs go out", () => {
  const { env, dev, pump, engine } = rig();
  dev.setClip("A", { track: 0, scene: 0 });
  dev.setClip("B", { track: 0, scene: 1 });
  dev.knob("morph", 0.25);
  dev.start(); pump();
  assert.deepEqual(Object.keys(dev.encoded).sort(), ["A", "B"]);
  assert.deepEqual(engine.uploads["clip-A"].notes, [60, 0, 1, 100, 64, 4, 2, 90]);
  assert.ok(env.sent.some((m) => m[0] === "/segue/knob/set/morph" && m[2] === 0.25));
  dev.knob("note_density", 9);
  assert.deepEqual(env.sent.at(-1).slice(2), [3]);
});

test("a drum-rack clip with a melody model gets a clear status message and is not uploaded", () => {
  const { dev, pump, engine } = rig();
  dev.start(); pump();
  dev.setClip("A", { track: 1, scene: 0 });
  pump();
  assert.match(dev.statusText(), /clip A is on a drum rack, but the model tiny plays melodies/);
  assert.equal(engine.uploads["clip-A"], undefined);
});

test("after an engine restart the device reconnects and uploads again", () => {
  const { env, dev, pump, engine } = rig();
  const events = [];
  dev.onEvent = (n) => events.push(n);
  dev.setClip("A", { track: 0, scene: 0 }); dev.setClip("B", { track: 0, scene: 1 });
  dev.start(); pump();
  engine.alive = false; // the engine goes away
  for (let t = 1; t <= 4; t++) { env.clock = t * 1000; dev.tick(); pump(); }
  assert.equal(dev.state, "connecting");
  assert.match(dev.statusText(), /engine lost: reconnecting/);
  for (let t = 5; t <= 60; t++) { env.clock = t * 100 + 4000; dev.tick(); }
  assert.ok(Object.keys(dev.pending).length <= 1, "unanswered hellos do not pile up");
  // a fresh engine (no sessions, no clips) comes back
  const fresh = fakeEngine();
  engine.handle = fresh.handle; engine.alive = true; engine.out = fresh.out;
  env.clock = 11000; dev.tick(); pump();
  assert.equal(dev.state, "connected");
  assert.ok(events.includes("reconnected"));
  assert.ok(fresh.uploads["clip-A"] && fresh.uploads["clip-B"], "clips uploaded again");
  // an engine that forgot the session mid-way ("no session") also triggers a new hello
  fresh.sessions = {};
  dev.knob("morph", 0.5); pump();
  assert.equal(dev.state, "connected");
});

test("write mode renders steps into new clips in empty slots, deferred out of the notification", () => {
  const { fake, env, dev, pump } = rig();
  dev.setClip("A", { track: 0, scene: 0 }); dev.setClip("B", { track: 0, scene: 1 });
  dev.start(); pump();
  dev.setSteps(3);
  dev.write(); pump();
  assert.equal(env.deferred.length, 1, "the write waits for the low-priority queue");
  assert.throws(() => fake.notify(() => env.deferred[0]()), { message: NOTIFY_ERROR });
  env.runDeferred();
  const slots = fake.tracks[0].slots;
  assert.equal(slots[0].name, "A"); assert.equal(slots[1].name, "B");
  assert.deepEqual([2, 3, 4].map((s) => slots[s].name), ["Segue A→B 1/3", "Segue A→B 2/3", "Segue A→B 3/3"]);
  assert.equal(slots[2].length, 8);
  assert.deepEqual(slots[3].notes.map((n) => n.pitch), [61, 64]);
  dev.setSteps(8); dev.write(); pump(); env.runDeferred();
  assert.match(dev.statusText(), /wrote 1 of 8 clips: no more empty slots/);
  assert.equal(slots[0].notes.length, 2, "source clips untouched");
});

test("live play: bars play on Live's transport, newer versions win, stop sends note-offs, capture writes", () => {
  const { fake, env, dev, pump } = rig();
  dev.start(); pump();
  fake.song.is_playing = 1; fake.song.current_song_time = 0;
  dev.tick(); pump();
  const sent = env.sent.filter((m) => m[0] === "/segue/transport/set").at(-1);
  assert.deepEqual(sent.slice(2), [1, 120, 0, 4, 4]);
  const bar = (b, v, pitch) => { dev.receive("/segue/bar/begin", [b, v, 1, 1, 0, 1, 0, 0, 0, 0, 0, 0]);
    dev.receive("/segue/bar/notes", [b, v, 0, pitch, 0.5, 1, 100]); dev.receive("/segue/bar/end", [b, v]); };
  bar(0, 1, 60); bar(1, 1, 62); bar(1, 2, 64); bar(1, 1, 65);
  const at = (beat) => { fake.song.current_song_time = beat; env.clock = beat * 500; dev.tick(); }; // 120 BPM
  at(1);
  assert.deepEqual(env.notes, [[60, 100]]);
  at(4.6);
  assert.deepEqual(env.notes.slice(1), [[60, 0], [64, 100]]);
  bar(1, 3, 67); // too late: bar 1 started
  at(5);
  fake.song.is_playing = 0; dev.tick();
  assert.deepEqual(env.notes.slice(3), [[64, 0]]);
  dev.setBars(2);
  assert.equal(fake.notify(() => dev.capture()), 2);
  env.runDeferred();
  const c = fake.tracks[0].slots.find((s) => s && s.name.startsWith("Segue capture"));
  assert.deepEqual(c.notes.map((n) => [n.pitch, n.start_time]), [[60, 0.5], [64, 4.5]]);
  assert.equal(c.length, 8);
});

test("notes reach the scheduler ahead of their time, with their delay, and follow Live's loop", () => {
  const { fake, env, dev, pump } = rig();
  env.clock = 10000;
  dev.start(); pump();
  fake.song.loop = 1; fake.song.loop_start = 0; fake.song.loop_length = 8; // a 2-bar loop at 120 BPM
  fake.song.is_playing = 1;
  const at = (beat, ms) => { fake.song.current_song_time = beat; env.clock = ms; dev.tick(); pump(); };
  const bar = (b, v, pitch, start) => { dev.receive("/segue/bar/begin", [b, v, 1, 1, 0, 1, 0, 0, 0, 0, 0, 0]);
    dev.receive("/segue/bar/notes", [b, v, 0, pitch, start, 0.5, 100]); dev.receive("/segue/bar/end", [b, v]); };
  bar(0, 1, 60, 0.05); bar(1, 1, 62, 3.95); // song beats 0.05 and 7.95
  const ons = () => env.timed.filter((n) => n[1] > 0);
  at(0, 10000); // 60 ms ahead = 0.12 beats: the note at 0.05 goes to the scheduler 25 ms early
  assert.deepEqual(env.sent.filter((m) => m[0] === "/segue/transport/loop").at(-1).slice(2), [0, 8],
                   "the engine is told about the loop");
  assert.deepEqual(ons(), [[60, 100, 25]]);
  for (let b = 0.5; b <= 7.5; b += 0.5) at(b, 10000 + b * 500);
  at(7.9, 13950); // the note at 7.95 is due in 25 ms; the loop's first note again (0.05) in 75 ms: not yet
  assert.deepEqual(ons().slice(1), [[62, 100, 25]]);
  at(7.95, 13975);
  assert.deepEqual(ons().slice(2), [[60, 100, 50]], "round the loop: its first bar again, 50 ms ahead");
  at(0.02, 14010); // Live wrapped the playhead: expected, so no silence and no seek
  assert.equal(env.cancels, 0);
  assert.equal(env.sent.filter((m) => m[0] === "/segue/transport/seek").length, 0);
  at(5.0, 14500); // the user jumps: the scheduler is cleared, sounding notes end, the engine is told
  assert.equal(env.cancels, 1);
  assert.deepEqual(env.sent.filter((m) => m[0] === "/segue/transport/seek").at(-1).slice(2), [5]);
  assert.ok(env.timed.slice(-2).some((n) => n[0] === 60 && n[1] === 0 && n[2] === 0), "note-off at once");
});
