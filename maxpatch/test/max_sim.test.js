// The built device's embedded code, run as Max would run it: the [v8] script out of Segue.amxd,
// in a fresh context with Max's globals (inlets, outlets, outlet, post, error, LiveAPI, Global,
// messagename, arrayfromargs) stubbed over the fake Live set. Nothing but the embedded text is loaded.
// Messages reach it on the thread of the patch object that sends them (read from the patch):
// [metro] and [udpreceive] without @defer 1 on the high-priority scheduler thread, [qmetro],
// [udpreceive @defer 1], [deferlow], [live.thisdevice] and the controls on the low-priority one.
// [v8] runs high-priority messages deferred unless a function is marked immediate; the fake Live
// API throws when used on the high-priority thread.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const vm = require("node:vm");
const { spawnSync } = require("node:child_process");
const { FakeLive, NOTIFY_ERROR } = require("./fake_live");

let builtDir = null;
function built(file = "Segue.amxd") {
  if (!builtDir) {
    builtDir = fs.mkdtempSync(path.join(os.tmpdir(), "segue-amxd-"));
    const python = process.env.PYTHON || "python3";
    const r = spawnSync(python, [path.join(__dirname, "..", "build.py"), "--out", builtDir], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
  }
  const data = fs.readFileSync(path.join(builtDir, file));
  assert.equal(data.toString("ascii", 0, 4), "ampf");
  const ptch = data.indexOf("ptch");
  const size = data.readUInt32LE(ptch + 4);
  return JSON.parse(data.toString("utf8", ptch + 8, ptch + 8 + size).replace(/\0$/, "")).patcher;
}

// The thread a patch object sends its output on.
function threadOf(text) {
  const w = String(text).split(/\s+/);
  if (w[0] === "metro" || w[0] === "pipe") return /@defer 1/.test(text) ? "low" : "high";
  if (w[0] === "udpreceive") return /@defer 1/.test(text) ? "low" : "high";
  return "low"; // qmetro, when (fed by qmetro), deferlow, live.thisdevice, UI objects, pattr
}

// What feeds the [v8] box, by the first word of the message each source produces.
function sources(patcher) {
  const boxes = Object.fromEntries(patcher.boxes.map((e) => [e.box.id, e.box]));
  const v8 = patcher.boxes.map((e) => e.box).find((b) => b.textfile);
  const into = (id) => patcher.lines.map((e) => e.patchline).filter((l) => l.destination[0] === id).map((l) => boxes[l.source[0]]);
  const upstream = (box, seen = new Set()) => { // the object whose output starts the chain (through prepend/when/message)
    const w = String(box.text || "").split(/\s+/)[0];
    if (seen.has(box.id) || !["prepend", "when", "t", "trigger"].includes(w) && box.maxclass !== "message") return box;
    seen.add(box.id);
    const up = into(box.id);
    return up.length ? upstream(up[0], seen) : box;
  };
  return { v8, feeders: into(v8.id).map((b) => ({ via: b, from: upstream(b) })) };
}

// Max's dictionaries by name (what [live.miditool.in] hands over and [live.miditool.out] reads).
function dictionaries() {
  const store = {};
  let made = 0;
  function Dict(name) {
    this.name = name === undefined ? "u" + String(++made).padStart(9, "0") : String(name);
    if (!(this.name in store)) store[this.name] = "{}";
  }
  Dict.prototype.stringify = function () { return store[this.name]; };
  Dict.prototype.parse = function (text) { store[this.name] = JSON.stringify(JSON.parse(text)); };
  return { Dict, store };
}

function maxContext(fake, globals) {
  const outs = [], printed = [];
  const dicts = dictionaries();
  const ctx = {
    outs, printed, Date, JSON, Math, Dict: dicts.Dict, dicts: dicts.store, inlet: 0,
    post: (...a) => printed.push(a.join(" ")), error: (...a) => printed.push("error: " + a.join(" ")),
    outlet: (n, ...args) => outs.push([n, ...args.flat()]),
    LiveAPI: function (a, b) { return typeof a === "function" ? fake.api(b, a) : fake.api(a); },
    Global: function (name) { globals[name] = globals[name] || {}; return globals[name]; },
    arrayfromargs: (a) => Array.prototype.slice.call(a),
  };
  vm.createContext(ctx);
  return ctx;
}

// Max's side: runs a [v8] function as a message from `source` would, on that source's thread.
function runtime(fake, ctx) {
  const lowQueue = [];
  const call = (fn, ...args) => vm.runInContext(fn, ctx).apply(null, args);
  const deliver = (source, fn, ...args) => {
    const f = vm.runInContext(fn, ctx);
    if (threadOf(source) === "high" && !f.immediate) { lowQueue.push(() => call(fn, ...args)); return; }
    if (threadOf(source) === "high") fake.onHigh(() => call(fn, ...args));
    else call(fn, ...args);
  };
  const idle = () => { while (lowQueue.length) lowQueue.shift()(); };
  return { call, deliver, idle };
}

test("the embedded [v8] code: fed only from low-priority sources, starts, says hello, plays, defers writes, a clean console", () => {
  const patcher = built();
  const { v8, feeders } = sources(patcher);
  const code = v8.textfile.text;
  // what feeds it: no [metro] (ticks that pile up) and replies deferred by [udpreceive] itself
  const texts = feeders.map((f) => String(f.from.text || f.from.maxclass));
  assert.ok(texts.some((t) => t.startsWith("qmetro ")), texts.join(", "));
  assert.ok(texts.includes("udpreceive 0 @defer 1"), texts.join(", "));
  for (const t of texts) assert.equal(threadOf(t), "low", t + " feeds [v8] from the high-priority thread");
  const clockFrom = feeders.find((f) => String(f.via.text) === "prepend clock");
  assert.equal(String(clockFrom.from.text).split(" ")[0], "qmetro", "the clock: [qmetro] -> [when] -> [prepend clock]");

  const fake = new FakeLive({ scenes: 4 });
  fake.addTrack("Keys");
  fake.putClip(0, 0, 8, [{ pitch: 60, start: 0, duration: 1, velocity: 100 }], "A");
  fake.putClip(0, 1, 8, [{ pitch: 67, start: 0, duration: 1, velocity: 100 }], "B");
  const globals = {};
  const ctx = maxContext(fake, globals);
  vm.runInContext(code, ctx, { filename: "embedded-v8.js" }); // no require(): nothing outside the device loads
  assert.equal(ctx.inlets, 1);
  assert.equal(ctx.outlets, 12);
  const max = runtime(fake, ctx);
  const ui = (fn, ...args) => max.deliver("live.dial", fn, ...args);
  ui("knob", "morph", 0.3);
  ui("pick", "B", "scene", 2);
  max.deliver("pattr instance @parameter_enable 1", "instance", "segue-00000000abcd");
  max.deliver("live.thisdevice", "bang");
  const hello = ctx.outs.find((o) => o[0] === 0 && o[1] === "/segue/hello");
  assert.ok(hello, JSON.stringify(ctx.outs));
  assert.equal(hello[3], "segue-00000000abcd", "the saved id");
  assert.deepEqual(ctx.outs.find((o) => o[0] === 3), [3, "port", 9800]);
  assert.ok(JSON.parse(globals.segue_registry.state).owners[9800]);
  // the probe goes to our own port; it comes back through [udpreceive]
  const probe = ctx.outs.filter((o) => o[0] === 7);
  assert.deepEqual(probe[0], [7, "port", 9800]);
  const reply = (address, ...args) => { ctx.messagename = address; max.deliver("udpreceive 0 @defer 1", "anything", ...args); };
  reply(probe[1][1], probe[1][2]);
  reply("/segue/hello", hello[2], hello[3], 0, "0.1", "tiny", "cpu", "MIT");
  const info = ctx.outs.find((o) => o[1] === "/segue/model/info");
  reply("/segue/model/info", info[2], "tiny", "melody", 2, 8, 0, "cpu", "MIT", "hier");
  // the Model menu gets the engine's list, with the session's choice shown
  const list = ctx.outs.find((o) => o[1] === "/segue/model/list");
  reply("/segue/model/list", list[2], "default", "hier");
  assert.deepEqual(ctx.outs.filter((o) => o[0] === 6).slice(-4),
                   [[6, "clear"], [6, "append", "default"], [6, "append", "hier"], [6, "set", 1]]);
  ui("model", 0);
  const choose = ctx.outs.filter((o) => o[0] === 0).at(-1);
  assert.deepEqual([choose[1], choose[3]], ["/segue/model/choose", "default"]);
  // #2 the A/B pickers are toggles: selected, back to the track, selected again
  const dev = vm.runInContext("dev", ctx);
  ui("pick", "A", "selected", 1);
  assert.equal(dev.sources.A, "selected");
  ui("pick", "A", "selected", 0);
  assert.equal(JSON.stringify(dev.sources.A), JSON.stringify({ track: 0, scene: 0 }));
  ui("pick", "A", "selected", 1);
  assert.equal(dev.sources.A, "selected");
  // live play: the clock from Max's transport; a streamed bar's note goes to [pipe] (outlet 1)
  // with its delay; Stop clears the pipe
  const clock = (beat) => max.deliver("qmetro 5 @active 1", "clock", beat * 480);
  fake.songChange({ is_playing: 1 });
  clock(0);
  reply("/segue/bar/begin", 0, 1, 1, 1, 0.3, 0.5, 1, 0, 0, 0, 0, 0);
  reply("/segue/bar/notes", 0, 1, 0, 64, 0.0625, 0.5, 90);
  reply("/segue/bar/end", 0, 1);
  clock(0.001);
  const on = ctx.outs.filter((o) => o[0] === 1).at(-1);
  assert.deepEqual(on.slice(0, 3), [1, 64, 90]);
  assert.ok(on[3] > 0 && on[3] <= 31.25, "delay " + on[3] + " ms: 1/16 beat at 120 BPM, less the time passed");
  fake.songChange({ is_playing: 0 });
  clock(0.01);
  const after = ctx.outs.filter((o) => o[0] === 1).slice(-2);
  assert.deepEqual(after, [[1, "clear"], [1, 64, 0, 0]]);
  const sent = ctx.outs.filter((o) => o[0] === 0).map((o) => o[1]);
  assert.ok(sent.includes("/segue/knob/set/morph") && sent.includes("/segue/clip/begin"), sent.join(" "));
  const status = ctx.outs.filter((o) => o[0] === 2).at(-1);
  assert.equal(status[1], "set");
  assert.match(status[2], /^connected · tiny \(MIT\) · CPU/);
  // Capture pressed: the write waits for [deferlow] (outlet 4), and flush runs it outside the notification.
  fake.notify(() => ui("capture", 1));
  assert.deepEqual(ctx.outs.at(-1), [4, "bang"]);
  assert.throws(() => fake.notify(() => max.deliver("deferlow", "flush")), { message: NOTIFY_ERROR });
  ui("capture", 1);
  max.deliver("deferlow", "flush");
  assert.match(fake.tracks[0].slots[2].name, /^Segue capture/);
  // a [metro] or [udpreceive] without @defer would reach [v8] on the high-priority thread: [v8]
  // defers it, so the Live API is never touched there
  ctx.messagename = "/segue/hello";
  max.deliver("metro 5", "tick");
  max.idle();
  max.deliver("live.thisdevice", "notifydeleted");
  assert.deepEqual(ctx.printed, [], "nothing printed to the Max Console");
  assert.deepEqual(fake.console, [], "no Live API errors");
});

test("the built device's Groove and chords: the model's reasons reach the boxes through [thispatcher], the Chords field's Return and Groove reach the engine, the new clip waits for [deferlow]", () => {
  const patcher = built();
  const { v8, feeders } = sources(patcher);
  const boxes = Object.fromEntries(patcher.boxes.map((e) => [e.box.id, e.box]));
  const out11 = patcher.lines.map((e) => e.patchline).filter((l) => l.source[0] === v8.id && l.source[1] === 11);
  assert.deepEqual(out11.map((l) => boxes[l.destination[0]].text), ["thispatcher"]);
  assert.ok(feeders.some((f) => f.from.maxclass === "textedit" && f.via === f.from), "the field feeds [v8] itself");
  const names = new Set(patcher.boxes.map((e) => e.box.varname).filter(Boolean));
  const fake = new FakeLive({ scenes: 4 });
  fake.addTrack("Drums", true);
  fake.putClip(0, 0, 8, [{ pitch: 36, start: 0, duration: 0.25, velocity: 100 }, { pitch: 38, start: 1, duration: 0.25, velocity: 100 }], "Beat");
  fake.selected = [0, 0];
  const ctx = maxContext(fake, {});
  vm.runInContext(v8.textfile.text, ctx);
  const max = runtime(fake, ctx);
  const ui = (fn, ...args) => max.deliver("live.text", fn, ...args);
  max.deliver("live.thisdevice", "bang");
  const reply = (address, ...args) => { ctx.messagename = address; max.deliver("udpreceive 0 @defer 1", "anything", ...args); };
  const sent = (address) => ctx.outs.filter((o) => o[0] === 0 && o[1] === address);
  const hello = sent("/segue/hello")[0];
  reply("/segue/hello", hello[2], hello[3], 0, "0.1", "grooveh", "cpu", "MIT", 5);
  reply("/segue/hello/confirm", sent("/segue/hello/confirm")[0][2]);
  reply("/segue/model/info", sent("/segue/model/info")[0][2], "groovae_2bar_humanize", "groove", 2, 8, 1, "cpu", "MIT",
        "grooveh", "groove,velocity,timing", "");
  const why = "Drumify needs a GrooVAE tap model (segue models pull tap2drum_2bar); grooveh is a GrooVAE humanize model";
  reply("/segue/model/unavailable", sent("/segue/model/unavailable")[0][2], "drumify", why, "note_density", "no vector");
  const scripts = ctx.outs.filter((o) => o[0] === 11);
  for (const o of scripts) {
    assert.deepEqual(o.slice(1, 3), ["script", "sendbox"]);
    assert.ok(names.has(o[3]), "[thispatcher] is told about a box the patch has: " + o[3]);
  }
  const told = (name, attr) => scripts.filter((o) => o[3] === name && o[4] === attr).map((o) => o[5]).at(-1);
  assert.equal(told("drumify_clip", "active"), 0);
  assert.equal(told("drumify_clip", "annotation"), why);
  assert.equal(told("groove_clip", "active"), 1);
  assert.equal(told("density", "active"), 0);
  assert.equal(told("caps", "set"), "Model can: groove, velocity, timing");
  assert.equal(told("chords", "readonly"), 0, "no reason given for chords: the field is open");
  // Groove on Live's selected clip: uploaded, then /segue/clip/groove; the result waits for [deferlow]
  ui("tool", "amount", 0.5);
  ui("groove", 1);
  for (const o of sent("/segue/clip/end")) reply("/segue/clip/ack", o[2], o[3], -2);
  const groove = sent("/segue/clip/groove")[0];
  assert.deepEqual(groove.slice(3), ["tool-clip", 0.5, 0]);
  reply("/segue/clip/result/begin", groove[2], "tool-clip", 2, 8);
  reply("/segue/clip/result/notes", groove[2], 0, 36, 0.02, 0.25, 97, 38, 1.03, 0.25, 61);
  reply("/segue/clip/result/end", groove[2], 1);
  assert.deepEqual(ctx.outs.at(-1), [4, "bang"]);
  max.deliver("deferlow", "flush");
  assert.equal(fake.tracks[0].slots[1].name, "Segue grooved Beat");
  assert.deepEqual(fake.tracks[0].slots[1].notes.map((n) => [n.pitch, n.start_time, n.velocity]), [[36, 0.02, 97], [38, 1.03, 61]]);
  assert.equal(fake.tracks[0].slots[0].notes.length, 2, "the source is untouched");
  // the Chords field: Return sends `text C G Am F`
  max.deliver("textedit", "text", "C G Am F");
  assert.deepEqual(sent("/segue/chords/set").at(-1).slice(3), ["C G Am F"]);
  max.deliver("live.thisdevice", "notifydeleted");
  assert.deepEqual(ctx.printed, []);
  assert.deepEqual(fake.console, []);
});

test("the threads model bites: Live API work on the high-priority thread throws", () => {
  const fake = new FakeLive({ scenes: 2 });
  fake.addTrack("Keys");
  const ctx = maxContext(fake, {});
  vm.runInContext(built().boxes.map((e) => e.box).find((b) => b.textfile).textfile.text, ctx);
  const max = runtime(fake, ctx);
  vm.runInContext("tick.immediate = 1", ctx); // as if the code asked to run in the scheduler thread
  max.deliver("live.thisdevice", "bang");
  assert.throws(() => max.deliver("metro 5", "tick"), /high-priority/);
});

test("the MIDI Tools' embedded code: each pass answered in the pass, the result written by the pass it asks for", () => {
  const { FakeMidiTool } = require("./fake_miditool");
  for (const [file, kind, outlets] of [["Segue Transform.amxd", "transform", 10], ["Segue Generate.amxd", "generate", 11]]) {
    const patcher = built(file);
    const { v8, feeders } = sources(patcher);
    for (const f of feeders) assert.equal(threadOf(f.from.text || f.from.maxclass), "low", String(f.from.text));
    const fake = new FakeLive({ scenes: 2 });
    fake.addTrack("Keys");
    fake.putClip(0, 0, 4, [{ pitch: 72, start: 0, duration: 1, velocity: 100 }], "Target");
    const globals = {};
    const ctx = maxContext(fake, globals);
    vm.runInContext(v8.textfile.text, ctx, { filename: file });
    assert.equal(ctx.outlets, outlets);
    assert.equal(ctx.inlets, 2);
    const max = runtime(fake, ctx);
    const ui = (fn, ...args) => max.deliver("live.dial", fn, ...args);
    ui("param", kind === "transform" ? "note_density" : "bars", kind === "transform" ? 1.5 : 1);
    max.deliver("pattr instance @parameter_enable 1", "instance", "segue-0000000000" + (kind === "transform" ? "aa" : "bb"));
    max.deliver("live.thisdevice", "bang");
    const sent = () => ctx.outs.filter((o) => o[0] === 1);
    const hello = sent().find((o) => o[1] === "/segue/hello");
    assert.ok(hello, JSON.stringify(ctx.outs));
    assert.deepEqual(ctx.outs.find((o) => o[0] === 2), [2, "port", 9800]);
    const reply = (address, ...args) => { ctx.messagename = address; max.deliver("udpreceive 0 @defer 1", "anything", ...args); };
    reply("/segue/hello", hello[2], hello[3], 0, "0.1", "tiny", "cpu", "MIT", 7);
    // Live's apply cycle, through the patch's wiring: context to inlet 1, notes to inlet 0, the answer
    // from outlet 0 to [live.miditool.out] in the same call
    const midi = new FakeMidiTool({ kind, notes: [{ pitch: 60, start: 0, duration: 1 }, { pitch: 64, start: 2, duration: 1 }],
                                    selection: [0, 4] });
    const pass = (name, dict) => {
      const d = new ctx.Dict();
      d.parse(JSON.stringify(dict));
      ctx.inlet = name === "context" ? 1 : 0;
      max.deliver("live.miditool.in", "dictionary", d.name);
      ctx.inlet = 0;
      if (name === "notes") {
        const out = ctx.outs.filter((o) => o[0] === 0).at(-1);
        if (out && out[1] === "dictionary") midi.write(JSON.parse(ctx.dicts[out[2]]));
      }
    };
    midi.attach({ context: (d) => pass("context", d), notes: (d) => pass("notes", d) });
    assert.equal(midi.apply(), true);
    assert.deepEqual(midi.errors, []);
    assert.deepEqual(midi.notes.map((n) => n.pitch), [60, 64], "working: the notes as they were");
    // the engine's acks and result arrive; the tool asks for a pass: [deferlow] -> [t b reapplying]
    for (const o of sent().filter((x) => x[1] === "/segue/clip/end")) reply("/segue/clip/ack", o[2], o[3], -2);
    const op = sent().find((o) => o[1].startsWith("/segue/tool/") && o[1] !== "/segue/tool/targets");
    assert.ok(op, JSON.stringify(sent().map((o) => o[1])));
    reply("/segue/tool/result/begin", op[2], 2, 4, "");
    reply("/segue/tool/result/notes", op[2], 0, 62, 0, 1, 90, 65, 2, 1, 90);
    reply("/segue/tool/result/end", op[2], 1);
    assert.deepEqual(ctx.outs.at(-1), [4, "bang"]);
    max.deliver("deferlow", "reapplying");
    assert.equal(midi.bang(), true);
    assert.deepEqual(midi.notes.map((n) => n.pitch), [62, 65]);
    const lines = ctx.outs.filter((o) => o[0] >= 6 && o[0] <= 8).slice(-3).map((o) => o.slice(1));
    assert.deepEqual(lines.map((l) => l[0]), ["set", "set", "set"]);
    assert.match(lines[0][1], /^connected · tiny/);
    assert.equal(lines[1][1], "done: 2 notes");
    max.deliver("live.thisdevice", "notifydeleted");
    assert.deepEqual(ctx.printed, [], "nothing printed to the Max Console");
    assert.deepEqual(fake.console, []);
  }
});
