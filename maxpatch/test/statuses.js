// Every kind of status line the device shows, at its longest, for a model name and licence (the
// shipped model's, from tests/maxpatch/test_device.py), as a JSON list: the patch lint checks each
// fits the status field. Usage: node statuses.js MODEL_NAME LICENCE
"use strict";
const { Device } = require("../js/device");
const { FakeLive } = require("./fake_live");
const { Net, FakeEngine } = require("./fake_engine");
const { makeEnv } = require("./helpers");

const [name, licence] = process.argv.slice(2);
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
