// Every kind of status line a device shows, at its longest, for a model name and licence (the
// shipped model's, from tests/maxpatch/test_device.py), as a JSON list: the patch lint checks each
// fits the status field. Usage: node statuses.js MODEL_NAME LICENCE [device|transform|generate]
// (a MIDI Tool's lines: the connection, and each line of a message over two).
//   node statuses.js captions MODELS_JSON
// Every text the streaming device puts in a box of its patch (its captions, the capabilities, the
// weak marks) for the models described ([{name, choice, capabilities, weak, unavailable: {action:
// reason}}], the reasons in the engine's words), as {varname: [texts]}.
"use strict";
const { Device } = require("../js/device");
const { Tool } = require("../js/tool");
const { FakeLive } = require("./fake_live");
const { Net, FakeEngine } = require("./fake_engine");
const { makeEnv } = require("./helpers");

const [name, licence, kind] = process.argv.slice(2);
if (kind === "transform" || kind === "generate") { toolLines(); process.exit(0); }
if (name === "captions") { captions(JSON.parse(licence)); process.exit(0); }
const out = new Set();
const fake = new FakeLive({ scenes: 2 });
fake.addTrack("Keys");
fake.addTrack("Drums", true);
fake.putClip(1, 0, 4, [{ pitch: 36, start: 0, duration: 0.25, velocity: 120 }], "Beat");
const net = new Net();
let clock = 0;
const engine = new FakeEngine(net, { now: () => clock });
const env = makeEnv(fake, { net, engine });
env.now = () => clock;
env.status = (text) => out.add(text);
const dev = new Device(env);
env.receiver = (a, x) => dev.receive(a, x);
dev.start();
out.add(dev.statusText());
net.pump();
dev.model.name = name;
dev.model.licence = licence;
dev.latency = 9999;
// an engine error: up to 1000 characters of English (the engine's messages are)
const long = "clip 'clip-A': missing chunks [0, 1, 2, 3]; resend them and /segue/clip/end again. ".repeat(12).slice(0, 1000);
const messages = [
  "", "clip A: track 64, scene 64 holds no clip", "clip A: that clip is an audio clip", "clip B: no clip is selected",
  "uploading clip A (9999 notes)", "clip A ready (16 bars)", "loading model " + name + "...", "model " + name,
  "not connected to the engine", "load clips A and B first", "rendering 64 steps",
  "wrote 63 of 64 clips: no more empty slots", "capture: no empty slot on this track",
  "captured 9999 notes", "id in use elsewhere: trying again", "engine not answering: reconnecting",
  "render incomplete (lost datagrams): try again", "render failed: " + long, long,
  "XY pad: A B on top, C D below", "XY pad off: Morph moves from A to B", "clip C: track 64, scene 64 holds no clip",
  "Clip: no clip is selected", "grooving 'Beat with a very long name indeed, as producers name them'\u2026",
  "Groove: still working on the last one", "Drumify: no empty slot on this track",
  "drumified 'Beat with a very long name indeed, as producers name them': 9999 notes in scene 64",
  "Groove: the engine's answer was lost (its end never came): try again", "no answer from the engine: try again",
  "Groove: " + long, "chords: " + long, "chords as read: C G | Am F | Dm G | C", "chords no progression",
  "Interval \u2248 weak: moves its attribute only loosely on this model; see the model card",
  "Groove needs a GrooVAE humanize model (segue models pull groovae_2bar_humanize); " + name + " is a melody model",
];
for (const m of messages) dev._say(m);
dev.model.kind = "melody";
dev.setClip("A", { track: 1, scene: 0 }); // the drum-rack message, with this model's name
for (const [state, ever] of [["lost", true], ["connecting", false], ["off", false]]) {
  dev.state = state;
  dev.everConnected = ever;
  for (const m of ["", "engine not answering: reconnecting", "id in use elsewhere: trying again", long]) dev._say(m);
}
process.stdout.write(JSON.stringify([...out]) + "\n");

function captions(models) {
  const shown = {};
  const fake = new FakeLive({ scenes: 2 });
  fake.addTrack("Keys");
  const net = new Net();
  const engine = new FakeEngine(net);
  const env = makeEnv(fake, { net, engine });
  env.ui = (box, attr, value) => { // every box named (the lint checks it exists), the texts of those that show one
    shown[box] = shown[box] || new Set();
    if (attr === "set" && box !== "chords") shown[box].add(String(value)); // the chords field scrolls
  };
  const dev = new Device(env);
  env.receiver = (a, x) => dev.receive(a, x);
  dev.start();
  net.pump();
  const long = "chord 'Xq7' has no root: start with a note name A-G. ".repeat(30).slice(0, 1000);
  const progression = Array.from({ length: 64 }, (_, k) => ["C", "G", "Am", "F#m7b5", "Bbmaj7"][k % 5]).join(" ");
  for (const m of models) {
    dev.receive("/segue/model/info", [dev.nextRid(), m.name, "melody", 2, 8, 0, "cpu", "", m.choice, m.capabilities,
                                      m.weak]);
    const rid = dev.nextRid();
    dev.pending[rid] = { what: "unavailable" };
    dev.receive("/segue/model/unavailable", [rid, ...Object.entries(m.unavailable).flat()]);
    for (const text of ["", "C G | Am", progression]) {
      const r = dev.nextRid();
      dev.pending[r] = { what: "chords" };
      dev.receive("/segue/chords/set", [r, text, 1]);
    }
    for (const error of ["chord 'Hm' has no root: start with a note name A-G", long]) {
      const r = dev.nextRid();
      dev.pending[r] = { what: "chords" };
      dev.receive("/segue/error", [r, "/segue/chords/set", error]);
    }
  }
  process.stdout.write(JSON.stringify(Object.fromEntries(Object.entries(shown).map(([k, v]) => [k, [...v]]))) + "\n");
}

function toolLines() {
  const lines = new Set();
  const fake = new FakeLive({ scenes: 2 });
  fake.addTrack("Keys");
  const net = new Net();
  let clock = 0;
  const engine = new FakeEngine(net, { now: () => clock });
  const env = makeEnv(fake, { net, engine });
  env.now = () => clock;
  const tool = new Tool(env, kind);
  env.lines = (...shown) => shown.forEach((l) => lines.add(l));
  env.receiver = (a, x) => tool.receive(a, x);
  tool.start();
  net.pump();
  tool.model.name = name;
  tool.model.licence = licence;
  const long = "clip 'tool-in': missing chunks [0, 1, 2, 3]; resend them and /segue/clip/end again. ".repeat(12).slice(0, 1000);
  const range = "the range is 255.75 beats: read as 64 bars from its first beat, the result cut back to it";
  const messages = [
    "", "working\u2026", "working\u2026 (Live's scale Hungarian Minor has no table in Segue: not snapped)",
    "done: 9999 notes", "done: 9999 notes \u2014 " + range + "; dropped 9999 notes outside pitch range 21..108",
    "done: 1 note \u2014 the model played no notes here: try another seed or a higher temperature",
    "engine not running: notes left as they were (start it: segue serve)", "engine lost: notes left as they were",
    "the clip or the settings changed while Segue worked: apply again",
    "the engine's answer was lost (datagrams dropped): apply again", "Step must be 1 to 64 (the steps from A to B)",
    "clip A: track 64, scene 64 holds no clip", "target: that clip is an audio clip", "clip B: the clip holds no notes",
    "no notes in the range: select the notes to transform", "select notes or a time range in the clip",
    "the range is 255.75 beats: Segue takes at most 64 bars", "amount 0: the notes as they were",
    "every attribute at 0: the notes as they were", "temperature 0: the notes as they were",
    "id in use elsewhere: trying again", "engine not answering: reconnecting", long,
  ];
  for (const m of messages) tool._say(m);
  for (const [state, ever] of [["lost", true], ["connecting", false], ["connecting", true], ["off", false]]) {
    tool.state = state;
    tool.everConnected = ever;
    tool._say(long);
  }
  process.stdout.write(JSON.stringify([...lines]) + "\n");
}
