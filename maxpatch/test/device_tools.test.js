// The streaming device's share of the panel's tools (docs/device.md "Groove, Drumify and chords"):
// what the session's model can do shown on the patch's boxes (greyed out with the engine's reason,
// captions, weak knobs), Groove and Drumify written as new clips, chords typed or read from a clip.
// Against the fake engine (fake_engine.js: its models tiny, weaky, grooveh, chordmel) and the fake
// Live set.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const { Device, TOOL_CLIP } = require("../js/device");
const { WEAK_KNOB } = require("../js/protocol");
const { FakeLive } = require("./fake_live");
const { Net, FakeEngine, MODELS } = require("./fake_engine");
const { makeEnv } = require("./helpers");

const BEAT = [{ pitch: 36, start: 0, duration: 0.25, velocity: 100 }, { pitch: 42, start: 0.5, duration: 0.25, velocity: 100 },
              { pitch: 38, start: 1, duration: 0.25, velocity: 100 }];

// A Live set with a drum track (the device on it, the beat in scene 1) and a keys track; one device,
// connected to the fake engine, its boxes recorded as [thispatcher] would set them.
function rig(opts = {}) {
  const fake = new FakeLive({ scenes: opts.scenes || 4, deviceTrack: 0 });
  fake.addTrack("Drums", true);
  fake.addTrack("Keys");
  fake.putClip(0, 0, 8, BEAT, "Beat");
  fake.putClip(1, 0, 8, [{ pitch: 57, start: 0, duration: 4, velocity: 80 }, { pitch: 60, start: 0, duration: 4, velocity: 80 }], "Chords");
  const net = new Net();
  const r = { fake, net, clock: 0, boxes: {}, told: [] };
  r.engine = new FakeEngine(net, { now: () => r.clock, oldInfo: opts.oldInfo });
  const env = makeEnv(fake, { net, engine: r.engine });
  env.now = () => r.clock;
  env.ui = (name, attr, value) => { (r.boxes[name] = r.boxes[name] || {})[attr] = value; r.told.push([name, attr, value]); };
  r.env = env;
  r.dev = new Device(env);
  r.events = [];
  r.dev.onEvent = (name, detail) => r.events.push([name, detail]);
  env.receiver = (a, x) => r.dev.receive(a, x);
  r.pump = (lose) => net.pump(lose);
  r.step = (ms, lose) => { for (let t = 0; t < ms; t += 5) { r.clock += 5; r.dev.tick(0); r.pump(lose); } };
  r.choose = (name) => { r.dev.chooseModel(r.dev.models.indexOf(name)); r.pump(); };
  r.sent = (address) => env.sent.filter((m) => m[0] === address);
  r.dev.setClip("tool", { track: 0, scene: 0 });
  r.dev.start();
  r.pump();
  return r;
}
const caption = (r, prefix) => [0, 1, 2].map((k) => r.boxes[prefix + k].set).filter(Boolean).join(" ");

test("a melody model greys out Groove, Drumify and the chords, each with the engine's reason; its capabilities are shown", () => {
  const r = rig();
  assert.equal(r.dev.state, "connected");
  const why = MODELS.tiny.unavailable;
  assert.equal(r.boxes.caps.set, "Model can: morphs and samples");
  assert.deepEqual([r.boxes.groove_clip.active, r.boxes.drumify_clip.active, r.boxes.chords_clip.active], [0, 0, 0]);
  assert.equal(r.boxes.chords.readonly, 1);
  assert.equal(r.boxes.groove_clip.annotation, why.groove, "Live's Info View gives the reason");
  assert.equal(r.boxes.drumify_clip.annotation, why.drumify);
  assert.equal(caption(r, "groove_why_"), "tiny grooves nothing: Groove and Drumify need a GrooVAE model (segue models pull groovae_2bar_humanize, tap2drum_2bar)");
  assert.equal(caption(r, "chords_why_"), "no progression \u2014 " + why.chords);
  for (const dial of ["density", "diatonic", "interval", "sync_16th", "sync_8th"]) assert.equal(r.boxes[dial].active, 1);
  // pressed anyway (a MIDI-mapped button, automation): the status line says why, nothing is asked
  r.dev.regroove(false);
  assert.match(r.dev.statusText(), /Groove needs a GrooVAE humanize model/);
  r.dev.setChords("C G");
  assert.equal(r.dev.message, why.chords);
  assert.equal(r.sent("/segue/clip/groove").length + r.sent("/segue/chords/set").length + r.sent("/segue/clip/begin").length, 0);
});

test("choosing another model shows what it can do: a GrooVAE humanize model opens Groove, greys Drumify, chords and the attribute dials", () => {
  const r = rig();
  r.choose("grooveh");
  assert.equal(r.boxes.caps.set, "Model can: groove, velocity, timing");
  assert.equal(r.boxes.groove_clip.active, 1);
  assert.match(r.boxes.groove_clip.annotation, /^Groove: the clip picked beside Clip/);
  assert.equal(r.boxes.drumify_clip.active, 0);
  assert.equal(caption(r, "groove_why_"), MODELS.grooveh.unavailable.drumify);
  for (const dial of ["density", "diatonic", "interval", "sync_16th", "sync_8th"]) assert.equal(r.boxes[dial].active, 0, dial);
  assert.equal(r.boxes.density.annotation, "grooveh has no attribute vector for note_density: the knob does nothing on it");
  r.dev.knob("note_density", 1);
  assert.equal(r.dev.message, "grooveh has no attribute vector for note_density: the knob does nothing on it");
  r.choose("chordmel");
  assert.equal(r.boxes.caps.set, "Model can: chords");
  assert.deepEqual([r.boxes.chords.readonly, r.boxes.chords_clip.active, r.boxes.density.active], [0, 1, 1]);
  assert.equal(caption(r, "chords_why_"), "no progression");
  r.choose("tiny");
  assert.deepEqual([r.boxes.groove_clip.active, r.boxes.chords.readonly], [0, 1], "back again");
});

test("Groove writes the result as a new clip into an empty slot of the device's track; the source clip is never touched", () => {
  const r = rig();
  r.choose("grooveh");
  r.dev.setToolParam("amount", 0.6);
  r.dev.setToolParam("temperature", 9); // clamped to the table's range
  assert.equal(r.dev.regroove(false), true);
  r.pump();
  assert.deepEqual(r.engine.grooves, [["groove", TOOL_CLIP, 0.6, 4]]);
  assert.equal(r.engine.sessions[r.dev.instance].uploads[TOOL_CLIP].kind, "drums", "a drum rack's clip");
  assert.equal(r.env.deferred.length, 1, "written from the low-priority queue, not inside the reply");
  r.env.runDeferred();
  const slots = r.fake.tracks[0].slots;
  assert.deepEqual(slots[0].notes.map((n) => [n.pitch, n.start_time, n.velocity]), BEAT.map((n) => [n.pitch, n.start, n.velocity]));
  assert.equal(slots[1].name, "Segue grooved Beat");
  assert.deepEqual(slots[1].notes.map((n) => [n.pitch, n.start_time, n.velocity]), BEAT.map((n) => [n.pitch, n.start + 0.02, n.velocity - 7]));
  assert.equal(slots[1].loop_end, 8);
  assert.equal(r.dev.message, "grooved 'Beat': 3 notes in scene 2");
  // again: the next empty slot; every write went to an empty slot
  r.dev.regroove(false);
  r.pump();
  r.env.runDeferred();
  assert.equal(slots[2].name, "Segue grooved Beat");
  assert.ok(r.fake.writes.filter((w) => w[0] === "create_clip").every((w) => !/clip_slots 0$/.test(w[1])));
  // Drumify needs a tap model: refused here with the reason, nothing written
  r.dev.regroove(true);
  assert.equal(r.dev.message, MODELS.grooveh.unavailable.drumify);
  assert.equal(slots[3], null);
});

test("Groove with no empty slot says so; a clip that is not there says so; one request at a time", () => {
  const r = rig({ scenes: 1 });
  r.choose("grooveh");
  r.dev.regroove(false);
  assert.equal(r.dev.regroove(false), false, "still working on the last one");
  assert.equal(r.dev.message, "Groove: still working on the last one");
  r.pump();
  r.env.runDeferred();
  assert.equal(r.dev.message, "Groove: no empty slot on this track");
  r.dev.setClip("tool", "selected");
  r.dev.regroove(false);
  assert.equal(r.dev.message, "Clip: no clip is selected");
  assert.equal(r.dev.regrooving, null);
});

test("a result with a lost datagram is asked for again and written once, whole; a result whose end never came too", () => {
  const r = rig();
  r.choose("grooveh");
  const once = (address) => { let done = false; return (port, msg) => !done && msg[0] === address && (done = true); };
  r.dev.regroove(false);
  r.pump(once("/segue/clip/result/notes"));
  assert.equal(r.engine.grooves.length, 2, "asked again at once: a chunk was missing");
  r.env.runDeferred();
  assert.equal(r.fake.tracks[0].slots[1].notes.length, 3);
  assert.equal(r.fake.tracks[0].slots[2], null, "written once");
  // the end lost: asked again after 2 s
  r.dev.regroove(false);
  r.pump(once("/segue/clip/result/end"));
  assert.equal(r.engine.grooves.length, 3);
  r.step(2100);
  assert.equal(r.engine.grooves.length, 4);
  r.env.runDeferred();
  assert.equal(r.fake.tracks[0].slots[2].notes.length, 3);
  assert.ok(r.events.some((e) => e[0] === "result-retry"));
  assert.deepEqual(r.dev.results.open, {}, "nothing half-assembled is kept");
  // the engine gone mid-Groove: forgotten at once, the next press asks again
  r.dev.regroove(false);
  r.engine.alive = false;
  r.step(4000);
  assert.notEqual(r.dev.state, "connected");
  assert.equal(r.dev.regrooving, null);
});

test("Drumify on a tap model makes drums of the keys track's clip", () => {
  const r = rig();
  r.choose("groovet");
  r.dev.setClip("tool", { track: 1, scene: 0 });
  r.dev.regroove(true);
  r.pump();
  r.env.runDeferred();
  assert.equal(r.engine.grooves[0][0], "drumify");
  assert.equal(r.fake.tracks[0].slots[1].name, "Segue drumified Chords");
  assert.deepEqual(r.fake.tracks[0].slots[1].notes.map((n) => n.pitch), [36, 42]);
  assert.equal(r.fake.tracks[1].slots[1], null, "written on the device's own track");
});

test("chords: typed, read from a clip, shown as the engine read them or with its error; the session's progression shown after hello", () => {
  const r = rig();
  r.choose("chordmel");
  assert.equal(r.dev.setChords("  C   G | Am "), true);
  r.pump();
  assert.deepEqual(r.sent("/segue/chords/set").at(-1).slice(2), ["C   G | Am"]);
  assert.equal(caption(r, "chords_why_"), "as read: C G | Am");
  assert.equal(r.boxes.chords.set, "C G | Am", "the field shows the engine's reading");
  assert.equal(r.dev.message, "chords as read: C G | Am");
  r.dev.setChords("C Hm");
  r.pump();
  assert.equal(caption(r, "chords_why_"), "chord 'Hm' has no root: start with a note name A-G");
  assert.equal(r.dev.message, "chords: chord 'Hm' has no root: start with a note name A-G");
  r.dev.setClip("tool", { track: 1, scene: 0 });
  assert.equal(r.dev.chordsFromClip(), true);
  r.pump();
  assert.deepEqual(r.sent("/segue/chords/from_clip").at(-1).slice(2), [TOOL_CLIP]);
  assert.equal(caption(r, "chords_why_"), "as read: Am G");
  r.dev.setChords("");
  r.pump();
  assert.equal(caption(r, "chords_why_"), "no progression");
  // a progression set elsewhere (the panel) is shown after the next hello; on a melody model it is kept
  r.engine.sessions[r.dev.instance].chords = "F C";
  r.engine.sessions[r.dev.instance].model = "tiny";
  r.engine.restart();
  r.engine.sessions[r.dev.instance] = { uploads: {}, knobs: {}, bars: {}, requests: [], transport: null, model: "tiny", chords: "F C" };
  r.step(1500);
  assert.equal(r.dev.state, "connected");
  assert.equal(r.boxes.chords.set, "F C");
  assert.equal(caption(r, "chords_why_"), "kept (not heard on this model): F C \u2014 " + MODELS.tiny.unavailable.chords);
});

test("weak knobs are marked under their dials, with the model card's hint in the Info View and the status line once", () => {
  const r = rig();
  r.choose("weaky");
  assert.equal(r.boxes.weak_average_interval.set, "\u2248 weak");
  assert.equal(r.boxes.weak_syncopation_8th.set, "\u2248 weak");
  assert.equal(r.boxes.weak_note_density.set, "");
  assert.equal(r.boxes.interval.annotation, "Interval \u2248 weak: " + WEAK_KNOB);
  r.dev.knob("average_interval", 1.5);
  assert.equal(r.dev.message, "Interval \u2248 weak: moves its attribute only loosely on this model; see the model card");
  r.dev._say("");
  r.dev.knob("average_interval", 2);
  assert.equal(r.dev.message, "", "said once a model");
  r.dev.knob("note_density", 1);
  assert.equal(r.dev.message, "", "a knob that is not weak says nothing");
  r.choose("tiny");
  assert.equal(r.boxes.weak_average_interval.set, "");
  assert.match(r.boxes.interval.annotation, /^Interval: adds the average interval attribute vector/);
});

test("an engine that says nothing of capabilities (before /segue/model/info's last fields) greys nothing out", () => {
  const r = rig({ oldInfo: true });
  assert.ok(r.sent("/segue/model/unavailable").length && r.sent("/segue/chords/get").length, "asked anyway");
  assert.equal(r.dev.message, "", "their unknown addresses are not shown as errors");
  assert.equal(r.dev.model.capabilities, null);
  assert.equal(r.boxes.caps.set, "");
  assert.deepEqual([r.boxes.groove_clip.active, r.boxes.drumify_clip.active, r.boxes.chords.readonly], [1, 1, 0]);
  assert.deepEqual(r.dev.model.weak, []);
});

test("only what changed is sent to the boxes", () => {
  const r = rig();
  const before = r.told.length;
  r.dev._showModel();
  assert.equal(r.told.length, before);
  r.choose("grooveh");
  const changed = r.told.slice(before).map((t) => t[0] + " " + t[1]);
  assert.ok(changed.includes("groove_clip active") && !changed.includes("chords readonly"), changed.join(", "));
});
