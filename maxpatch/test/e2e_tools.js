// End to end: the MIDI Tools (tool.js) under Node against a real engine, on real UDP sockets, each in
// a fake apply cycle (fake_miditool.js) over the fake Live set, beside a streaming device whose
// slots are a Morph target. Every mode once, then the edges: amount 0, a meter other than 4/4, a
// range off the bar lines, a knob drag (Auto Apply), an engine that is not running.
// Usage: node e2e_tools.js ENGINE_PORT FIRST_REPLY_PORT DEAD_PORT
// Prints one JSON object (tests/maxpatch/test_miditools.py checks it): per case the clip's notes
// before and after, the range, Live's scale, the tool's status lines, Live's errors, the requests.
"use strict";
const { Registry } = require("../js/device");
const { FakeLive } = require("./fake_live");
const { FakeMidiTool } = require("./fake_miditool");
const { makeDevice, makeTool, wait, sleep } = require("./e2e_lib");

const [enginePort, firstPort, deadPort] = process.argv.slice(2).map((x) => parseInt(x, 10));
const started = Date.now();
const melodyA = [60, 62, 64, 65, 67, 65, 64, 62].map((p, k) => ({ pitch: p, start: k, duration: 0.9, velocity: 100 }));
const melodyB = [72, 71, 69, 67, 69, 71, 72, 74].map((p, k) => ({ pitch: p, start: k + 0.5, duration: 0.4, velocity: 80 }));
// four bars: the selection is bars 2 and 3 (beats 4..12); a note each side of it, one across its end
const PHRASE = [
  { pitch: 57, start: 0, duration: 1, velocity: 70 }, { pitch: 59, start: 2, duration: 2, velocity: 75 },
  ...[60, 62, 63, 65, 67, 69, 70, 72].map((p, k) => ({ pitch: p, start: 4 + k, duration: 0.75, velocity: 80 + k })),
  { pitch: 74, start: 11.5, duration: 1.5, velocity: 100 }, { pitch: 76, start: 13, duration: 1, velocity: 90 },
];
const E_MAJOR = { mode: 1, root: 4, name: "Major" };

const fake = new FakeLive({ scenes: 4 });
fake.addTrack("Keys");
fake.putClip(0, 0, 8, melodyA, "Tune A");
fake.putClip(0, 1, 8, melodyB, "Tune B");
const registry = new Registry(firstPort, firstPort + 99);
const device = makeDevice({ fake, registry, enginePort, started, track: 0 });
const transform = makeTool({ fake, registry, enginePort, started, kind: "transform",
                             midi: new FakeMidiTool({ kind: "transform", notes: PHRASE, selection: [4, 12], scale: E_MAJOR }) });
const generate = makeTool({ fake, registry, enginePort, started, kind: "generate",
                            midi: new FakeMidiTool({ kind: "generate", notes: [], selection: [0, 16],
                                                     scale: { mode: 1, root: 2, name: "Dorian" } }) });
const down = makeTool({ fake, registry: new Registry(firstPort + 100, firstPort + 110), enginePort: deadPort, started,
                        kind: "transform", midi: new FakeMidiTool({ notes: PHRASE, selection: [4, 12], scale: E_MAJOR }) });
const tools = [transform, generate, down];
const ticker = setInterval(() => { device.dev.tick(0); tools.forEach((t) => t.tool.tick()); }, 20);
const cases = {};
const ops = (t) => t.sent.filter((m) => /^\/segue\/tool\/(shift|morph|vary|sample|between)$/.test(m[0]));
const copy = (x) => JSON.parse(JSON.stringify(x));

// One Apply: the pass answers at once; when the engine's result comes, the pass it asks for writes it.
async function run(name, t, setup, opts = {}) {
  t.midi.interrupt(); // a new cycle: from the clip as it is now
  if (setup) setup(t);
  const before = copy(t.midi.notes), results = t.events.filter((e) => e[0] === "result").length;
  const passes = t.midi.passes, requests = ops(t).length, at = Date.now();
  t.midi.apply();
  const immediate = copy(t.midi.notes);
  if (opts.result !== false) {
    await wait(() => t.events.filter((e) => e[0] === "result").length > results && t.midi.passes > passes + 1, 60000, name);
  } else {
    await sleep(opts.settle || 300);
  }
  cases[name] = { before, immediate, after: copy(t.midi.notes), ms: Date.now() - at, range: t.midi.selection,
                  scale: t.midi.scale, lines: t.lines.at(-1), errors: [...t.midi.errors], requests: ops(t).length - requests,
                  request: ops(t).at(-1) || null };
}

async function main() {
  device.dev.setClip("A", { track: 0, scene: 0 });
  device.dev.setClip("B", { track: 0, scene: 1 });
  for (const x of [device.dev, ...tools.map((t) => t.tool)]) x.start();
  await wait(() => device.dev.encoded.A && device.dev.encoded.B && transform.tool.state === "connected" &&
                   generate.tool.state === "connected", 30000, "connected and encoded");
  await wait(() => transform.tool.targets.length >= 2, 5000, "the device's slots as targets");

  await run("shift", transform, (t) => { t.tool.setMode(0); t.tool.param("amount", 1); t.tool.param("note_density", 2); });
  await run("shift_zero", transform, (t) => { t.tool.param("amount", 0); }, { result: false });
  await run("morph_clip", transform, (t) => {
    t.tool.setMode(1); t.tool.param("amount", 0.5); t.tool.pick("target", "menu", 0);
    t.tool.pick("target", "track", 1); t.tool.pick("target", "scene", 2);
  });
  const slotA = transform.tool.targets.findIndex((x) => x.instance === device.dev.instance && x.slot === "A") + 1;
  await run("morph_slot", transform, (t) => { t.tool.param("amount", 1); t.tool.pick("target", "menu", slotA); });
  await run("vary", transform, (t) => { t.tool.setMode(2); t.tool.param("temperature", 1); t.tool.param("seed", 3); });
  await run("sample", generate, (t) => { t.tool.setMode(0); t.tool.param("bars", 2); t.tool.param("temperature", 0.8); });
  await run("between", generate, (t) => {
    t.midi.selection = [0, 8]; t.tool.setMode(1); t.tool.param("step", 2); t.tool.param("steps", 4);
    t.tool.pick("a", "track", 1); t.tool.pick("a", "scene", 1); t.tool.pick("b", "track", 1); t.tool.pick("b", "scene", 2);
  });
  fake.songChange({ signature_numerator: 3 });
  await run("meter", transform, (t) => { t.tool.setMode(0); t.tool.param("amount", 1); t.tool.param("note_density", -1); },
            { result: false, settle: 1500 });
  fake.songChange({ signature_numerator: 4 });
  await run("unaligned", transform, (t) => { t.midi.selection = [4, 9.5]; t.tool.param("note_density", 1.5); });
  await run("down", down, (t) => { t.tool.param("note_density", 2); }, { result: false });

  // Auto Apply: a drag of 40 steps, a pass each (as Live runs one per change). The first 20 come in
  // one burst (no answer can arrive between them), the last 20 are 5 ms apart (answers arrive mid-drag).
  // After every pass: how many requests are out with no answer yet (never more than one).
  transform.midi.interrupt();
  transform.midi.selection = [4, 12];
  const before = copy(transform.midi.notes), requests = ops(transform).length, results = transform.events.length;
  const answers = () => transform.events.filter((e) => e[0] === "answer").length, answered = answers();
  const passes = transform.midi.passes, at = Date.now();
  // a flight starts with its clip's upload (the operation goes once the engine holds the clip)
  const flights = () => transform.sent.filter((m) => m[0] === "/segue/clip/begin").length, flown = flights();
  const outstanding = [];
  const step = (k) => {
    transform.tool.param("syncopation_16th", k / 20);
    transform.midi.apply();
    outstanding.push((flights() - flown) - (answers() - answered));
  };
  for (let k = 1; k <= 20; k++) step(k);
  const burstFlights = flights() - flown;
  for (let k = 21; k <= 40; k++) {
    step(k);
    await sleep(5);
  }
  const dragMs = Date.now() - at;
  await wait(() => !transform.tool.inFlight && !transform.tool.want && transform.events.length > results &&
                   transform.midi.passes > passes + 40, 60000, "the drag's newest result written");
  await sleep(100);
  cases.drag = { before, after: copy(transform.midi.notes), passes: transform.midi.passes - passes, dragMs,
                 requests: ops(transform).length - requests, answers: answers() - answered,
                 flights: flights() - flown, burstFlights, maxOutstanding: Math.max(...outstanding),
                 last: ops(transform).at(-1), errors: [...transform.midi.errors],
                 lines: transform.lines.at(-1), ms: Date.now() - at };
  process.stdout.write(JSON.stringify({ cases, device: device.dev.instance,
                                        instances: [device.dev, ...tools.map((t) => t.tool)].map((x) => x.instance),
                                        ports: [device.dev, ...tools.map((t) => t.tool)].map((x) => x.port) }) + "\n");
}

const timer = setTimeout(() => { console.log(JSON.stringify({ timeout: true, cases: Object.keys(cases) })); process.exit(1); }, 150000);
main().then(() => {
  clearInterval(ticker); clearTimeout(timer);
  [device.dev, ...tools.map((t) => t.tool)].forEach((x) => x.stop());
  [device, ...tools].forEach((x) => x.close());
  setTimeout(() => process.exit(0), 50);
}, (e) => {
  console.log(JSON.stringify({ failed: String(e.stack || e), cases: Object.keys(cases),
                               lines: tools.map((t) => t.lines.at(-1)) }));
  process.exit(1);
});
