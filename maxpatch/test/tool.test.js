// The MIDI Tools' controller (tool.js) against the fake apply cycle (fake_miditool.js) and the scripted
// engine (fake_engine.js) over the fake loopback network: every pass answered at once, results
// written by a later pass, only the newest request waiting, the engine down, clips changed meanwhile.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const { Tool, wrap, LINE_CHARS } = require("../js/tool");
const { Device, Registry } = require("../js/device");
const { FakeLive } = require("./fake_live");
const { Net, FakeEngine } = require("./fake_engine");
const { FakeMidiTool, wire } = require("./fake_miditool");
const { makeEnv } = require("./helpers");

const PHRASE = [ // bars 1-3 of a clip: the selection is bar 2 (beats 4..8)
  { pitch: 60, start: 0, duration: 1, velocity: 100 }, { pitch: 62, start: 4, duration: 1, velocity: 96.5 },
  { pitch: 64, start: 5.5, duration: 0.5, velocity: 80 }, { pitch: 65, start: 7, duration: 2, velocity: 70 },
  { pitch: 67, start: 9, duration: 1, velocity: 90 },
];

function liveSet() {
  const fake = new FakeLive({ scenes: 4 });
  fake.addTrack("Keys");
  fake.putClip(0, 0, 8, [{ pitch: 72, start: 0, duration: 1, velocity: 100 }], "Target");
  return fake;
}

// One Max, a loopback network, an engine, Live; world.tool(kind, midi) makes a tool wired to its clip.
function world(opts = {}) {
  const w = { clock: 0, net: new Net(), live: liveSet(), registry: new Registry(), deferred: [], tools: [] };
  w.engine = new FakeEngine(w.net, { now: () => w.clock });
  w.tool = (kind, midi) => {
    const env = makeEnv(w.live, { net: w.net, engine: w.engine, registry: w.registry });
    env.now = () => w.clock;
    env.lines = (...lines) => { env.statuses.push(lines); };
    const tool = new Tool(env, kind);
    env.receiver = (a, x) => tool.receive(a, x);
    const events = [];
    tool.onEvent = (name) => events.push(name);
    wire(midi, tool, (fn) => w.deferred.push(fn));
    w.tools.push(tool);
    return { tool, env, midi, events };
  };
  w.pump = () => w.net.pump();
  w.runDeferred = () => { const q = w.deferred; w.deferred = []; q.forEach((f) => f()); };
  w.step = (ms) => { for (let t = 0; t < ms; t += 100) { w.clock += 100; w.tools.forEach((x) => x.tick()); w.pump(); } };
  return w;
}
const ops = (w) => w.engine.log.filter((m) => /^\/segue\/tool\/(shift|morph|vary|sample|between)$/.test(m[1]));
const lastLine = (env) => env.statuses.at(-1).join(" ");
const byStart = (notes) => notes.map((n) => [n.pitch, n.start_time, n.duration]);

function connected(kind, midiOpts, opts) {
  const w = world(opts);
  const midi = new FakeMidiTool({ kind, notes: PHRASE, selection: [4, 8], ...midiOpts });
  const x = w.tool(kind, midi);
  x.tool.start();
  w.pump();
  assert.equal(x.tool.state, "connected");
  return { w, ...x };
}

test("every pass answers at once; the result is written by the pass it asks for, notes outside the range untouched", () => {
  const { w, tool, env, midi } = connected("transform");
  tool.param("note_density", 1);
  w.engine.holdTools = true;
  const before = JSON.parse(JSON.stringify(midi.notes));
  assert.equal(midi.apply(), true); // answered in the pass: the notes as they were
  assert.deepEqual(midi.notes, before);
  assert.match(lastLine(env), /working…/);
  w.pump();
  assert.equal(ops(w).length, 1);
  const [address, , clip, amount] = ops(w)[0].slice(1);
  assert.deepEqual([address, clip, amount], ["/segue/tool/shift", "tool-in", 0.5]);
  const upload = w.engine.sessions[tool.instance].uploads["tool-in"];
  assert.deepEqual(upload.notes, [62, 0, 1, 97, 64, 1.5, 0.5, 80, 65, 3, 1, 70], "the range from its first beat, cut at its end");
  w.engine.heldTools.shift()();
  w.pump();
  assert.equal(w.deferred.length, 1, "the result asks for a pass through [deferlow]");
  w.runDeferred();
  assert.deepEqual(midi.errors, []);
  const outside = (notes) => notes.filter((n) => n.start_time < 4 || n.start_time >= 8);
  assert.deepEqual(outside(midi.notes), outside(before), "notes outside the range: the same notes, ids and all");
  assert.deepEqual(byStart(midi.notes.filter((n) => n.start_time >= 4 && n.start_time < 8)),
                   [[63, 4, 1], [65, 5.5, 0.5], [66, 7, 1]], "the engine's notes, back in the clip's time");
  assert.match(lastLine(env), /^connected · tiny .*done: 3 notes/);
  assert.equal(midi.passes, 2);
});

test("Auto Apply: a knob drag asks the engine once or twice, never once per step, and writes the newest", () => {
  const { w, tool, midi } = connected("transform");
  w.engine.holdTools = true;
  for (let k = 1; k <= 30; k++) { tool.param("note_density", k / 10); midi.apply(); w.pump(); }
  assert.equal(ops(w).length, 1, "one request in flight");
  assert.equal(midi.writes, 30, "every pass wrote at once");
  w.engine.heldTools.shift()(); // the first finishes: the newest is asked for, nothing written yet
  w.pump();
  assert.equal(w.deferred.length, 0);
  assert.equal(ops(w).length, 2);
  assert.equal(ops(w)[1][5], 3, "the newest setting: density 3");
  w.engine.heldTools.shift()();
  w.pump();
  w.runDeferred();
  assert.equal(ops(w).length, 2);
  assert.deepEqual(midi.errors, []);
  // dragging back to a value already heard writes at once, from what the tool kept
  tool.param("note_density", 3);
  midi.apply();
  w.pump();
  assert.equal(ops(w).length, 2);
});

test("the engine not running: the tool says so in its own lines and the notes stay as they were", () => {
  const w = world();
  w.engine.alive = false;
  const midi = new FakeMidiTool({ notes: PHRASE, selection: [4, 8] });
  const { tool, env } = w.tool("transform", midi);
  tool.param("note_density", 1);
  tool.start();
  w.step(500);
  const before = JSON.parse(JSON.stringify(midi.notes));
  midi.apply();
  assert.deepEqual(midi.notes, before);
  assert.equal(env.statuses.at(-1)[0], "engine not running: start it (segue serve)");
  assert.equal(env.statuses.at(-1).slice(1).join(" "), "engine not running: notes left as they were (start it: segue serve)");
  assert.deepEqual(midi.errors, []);
  // started later: the next pass asks it
  w.engine.alive = true;
  w.step(1500);
  assert.equal(tool.state, "connected");
  midi.apply();
  w.pump();
  w.runDeferred();
  assert.equal(midi.notes.find((n) => n.start_time === 4).pitch, 63);
});

test("a result whose clip changed meanwhile writes nothing new: a tool never changes a clip nobody applied it to", () => {
  const { w, tool, env, midi } = connected("transform");
  tool.param("note_density", 1);
  midi.apply();
  w.pump(); // the result is here and has asked for a pass
  midi.interrupt((m) => { m.selection = [0, 4]; }); // the user selects elsewhere first
  const before = JSON.parse(JSON.stringify(midi.notes));
  w.runDeferred();
  assert.deepEqual(midi.notes, before);
  assert.match(lastLine(env), /changed while Segue worked: apply again/);
  w.pump();
  assert.equal(ops(w).length, 1, "and it asks nothing");
});

test("an amount of 0 gives the notes back as they were, without the engine", () => {
  const { w, tool, midi } = connected("transform");
  const before = JSON.parse(JSON.stringify(midi.notes));
  tool.param("amount", 0);
  tool.param("note_density", 2);
  midi.apply();
  tool.setMode(2); // Vary
  tool.param("temperature", 0);
  midi.apply();
  w.pump();
  assert.deepEqual(midi.notes, before);
  assert.equal(ops(w).length, 0);
});

test("a lost datagram of a result is asked for again, never written with holes", () => {
  const { w, tool, midi } = connected("transform");
  tool.param("note_density", 1);
  midi.apply();
  let dropped = 0;
  w.net.pump((port, msg) => msg[0] === "/segue/tool/result/notes" && dropped++ === 0);
  assert.equal(dropped > 0, true);
  assert.equal(ops(w).length, 2, "asked again");
  w.runDeferred();
  assert.equal(midi.notes.filter((n) => n.start_time >= 4 && n.start_time < 8).length, 3);
});

test("the engine's errors show in the tool, and the same request is not asked again", () => {
  const { w, tool, env, midi } = connected("transform");
  w.engine.toolFn = () => ({ error: "the clip is in 3/4; Segue needs 4/4 (every representation uses 16 steps per 4/4 bar)" });
  tool.param("note_density", 1);
  const before = JSON.parse(JSON.stringify(midi.notes));
  midi.apply();
  w.pump();
  assert.deepEqual(env.statuses.at(-1).slice(1),
                   ["the clip is in 3/4; Segue needs 4/4 (every representation", "uses 16 steps per 4/4 bar)"]);
  midi.apply();
  w.pump();
  assert.equal(ops(w).length, 1);
  assert.deepEqual(midi.notes, before);
});

test("Live's scale: snapped while Scale Mode is on, by Live's name; a scale Segue has no table for is said", () => {
  const { w, tool, env, midi } = connected("transform", { scale: { mode: 1, root: 2, name: "Dorian" }, grid: { interval: 0.5 } });
  tool.param("note_density", 1);
  midi.apply();
  w.pump();
  assert.deepEqual(ops(w)[0].slice(-5), [2, "dorian", 0.5, 4, 4]);
  midi.interrupt((m) => { m.scale = { mode: 1, root: 2, name: "Whole Tone" }; m.grid = { interval: 0.25, enabled: 0 }; });
  w.engine.holdTools = true;
  midi.apply();
  w.pump();
  assert.deepEqual(ops(w)[1].slice(-5), [-1, "major", 0, 4, 4]);
  assert.match(env.statuses.at(-1).slice(1).join(" "), /Live's scale Whole Tone has no table in Segue: not snapped/);
  midi.interrupt((m) => { m.scale = { mode: 0, root: 2, name: "Dorian" }; m.grid = { interval: 0.25, enabled: 1 }; });
  midi.apply();
  w.engine.heldTools.shift()();
  w.pump();
  assert.deepEqual(ops(w)[2].slice(-5), [-1, "major", 0.25, 4, 4], "Scale Mode off: no snapping");
});

test("Morph reads its target at Track/Scene (or takes another session's slot); Generate fills its range", () => {
  const { w, tool, midi } = connected("transform");
  tool.setMode(1);
  tool.pick("target", "track", 1);
  tool.pick("target", "scene", 1);
  tool.param("amount", 0.7);
  midi.apply();
  w.pump();
  assert.deepEqual(ops(w)[0].slice(1, 7), ["/segue/tool/morph", ops(w)[0][2], "tool-in", "", "tool-target", 0.7]);
  assert.deepEqual(w.engine.sessions[tool.instance].uploads["tool-target"].notes, [72, 0, 1, 100]);
  w.engine.targets = [["segue-00000000beef", "A", 2]];
  tool._ping();
  w.pump();
  tool.pick("target", "menu", 1);
  midi.apply();
  w.pump();
  assert.deepEqual(ops(w).at(-1).slice(4, 6), ["segue-00000000beef", "A"]);

  const gen = world();
  const midiGen = new FakeMidiTool({ kind: "generate", notes: PHRASE, selection: [4, 8] });
  const g = gen.tool("generate", midiGen);
  g.tool.start();
  gen.pump();
  midiGen.apply();
  gen.pump();
  gen.runDeferred();
  assert.deepEqual(byStart(midiGen.notes), [[60, 0, 1], [60, 4, 0.5], [61, 5, 0.5], [62, 6, 0.5], [63, 7, 0.5], [67, 9, 1]],
                   "the range replaced, the notes around it kept");
  assert.deepEqual(ops(gen)[0].slice(3, 7), [4, 2, 0.5, 0]);
  g.tool.setMode(1);
  g.tool.param("step", 9);
  const before = JSON.parse(JSON.stringify(midiGen.notes));
  midiGen.interrupt();
  midiGen.apply();
  assert.match(g.env.statuses.at(-1).join(" "), /Step must be 1 to 4/);
  assert.deepEqual(midiGen.notes, before);
});

test("tools and streaming devices in one Max: each its own id and reply port", () => {
  const w = world();
  const midi = new FakeMidiTool({ notes: PHRASE, selection: [4, 8] });
  const a = w.tool("transform", midi), b = w.tool("generate", new FakeMidiTool({ kind: "generate" }));
  const env = makeEnv(w.live, { net: w.net, engine: w.engine, registry: w.registry });
  const dev = new Device(env);
  env.receiver = (addr, x) => dev.receive(addr, x);
  for (const x of [a.tool, b.tool, dev]) x.start();
  w.pump();
  const all = [a.tool, b.tool, dev];
  assert.deepEqual(all.map((x) => x.state), ["connected", "connected", "connected"]);
  assert.equal(new Set(all.map((x) => x.instance)).size, 3);
  assert.equal(new Set(all.map((x) => x.port)).size, 3);
});

test("status lines wrap at word boundaries and end with … when the message is longer than two lines", () => {
  assert.deepEqual(wrap("a short one", 20, 2), ["a short one", ""]);
  const long = wrap("one two three four five six seven eight nine ten eleven twelve thirteen", 20, 2);
  assert.equal(long.length, 2);
  assert.ok(long.every((l) => l.length <= 20) && long[1].endsWith("…"), JSON.stringify(long));
  assert.ok(LINE_CHARS >= 50);
});
