// The built device's embedded code, run as Max would run it: the [v8] script out of Segue.amxd,
// in a fresh context with Max's globals (inlets, outlets, outlet, LiveAPI, Global, messagename,
// arrayfromargs) stubbed over the fake Live set. Nothing but the embedded text is loaded.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const vm = require("node:vm");
const { spawnSync } = require("node:child_process");
const { FakeLive, NOTIFY_ERROR } = require("./fake_live");

function embeddedCode() {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "segue-amxd-"));
  const python = process.env.PYTHON || "python3";
  const r = spawnSync(python, [path.join(__dirname, "..", "build.py"), "--out", out], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const data = fs.readFileSync(path.join(out, "Segue.amxd"));
  assert.equal(data.toString("ascii", 0, 4), "ampf");
  const ptch = data.indexOf("ptch");
  const size = data.readUInt32LE(ptch + 4);
  const patcher = JSON.parse(data.toString("utf8", ptch + 8, ptch + 8 + size).replace(/\0$/, ""));
  const v8 = patcher.patcher.boxes.map((b) => b.box).find((b) => b.textfile);
  return v8.textfile.text;
}

function maxContext(fake, globals) {
  const outs = [];
  const ctx = {
    outs, post: () => {}, Date, JSON, Math,
    outlet: (n, ...args) => outs.push([n, ...args.flat()]),
    LiveAPI: function (p) { return fake.api(p); },
    Global: function (name) { globals[name] = globals[name] || {}; return globals[name]; },
    arrayfromargs: (a) => Array.prototype.slice.call(a),
  };
  vm.createContext(ctx);
  return ctx;
}

test("the embedded [v8] code starts, says hello, plays the engine's replies and defers writes", () => {
  const code = embeddedCode();
  // The context has no require(): loading any file from outside the device would throw.
  const fake = new FakeLive({ scenes: 4 });
  fake.addTrack("Keys");
  fake.putClip(0, 0, 8, [{ pitch: 60, start: 0, duration: 1, velocity: 100 }], "A");
  fake.putClip(0, 1, 8, [{ pitch: 67, start: 0, duration: 1, velocity: 100 }], "B");
  const globals = {};
  const ctx = maxContext(fake, globals);
  vm.runInContext(code, ctx, { filename: "embedded-v8.js" });
  assert.equal(ctx.inlets, 1);
  assert.equal(ctx.outlets, 7);
  const call = (fn, ...args) => vm.runInContext(fn, ctx).apply(null, args);
  call("knob", "morph", 0.3);
  call("pick", "B", "scene", 2);
  call("bang"); // [live.thisdevice]
  const hello = ctx.outs.find((o) => o[0] === 0 && o[1] === "/segue/hello");
  assert.ok(hello, JSON.stringify(ctx.outs));
  assert.deepEqual(ctx.outs.find((o) => o[0] === 3), [3, "port", 9800]);
  assert.equal(ctx.outs.find((o) => o[0] === 5)[1], hello[3]);
  assert.ok(JSON.parse(globals.segue_ports.state).owners[9800]);
  const reply = (address, ...args) => fake.notify(() => { ctx.messagename = address; call("anything", ...args); });
  reply("/segue/hello", hello[2], hello[3], 0, "0.1", "tiny", "cpu", "MIT");
  const info = ctx.outs.find((o) => o[1] === "/segue/model/info");
  reply("/segue/model/info", info[2], "tiny", "melody", 2, 8, 0, "cpu", "MIT", "hier");
  // the Model menu gets the engine's list, with the session's choice shown
  const list = ctx.outs.find((o) => o[1] === "/segue/model/list");
  reply("/segue/model/list", list[2], "default", "hier");
  assert.deepEqual(ctx.outs.filter((o) => o[0] === 6).slice(-4),
                   [[6, "clear"], [6, "append", "default"], [6, "append", "hier"], [6, "set", 1]]);
  call("model", 0);
  const choose = ctx.outs.filter((o) => o[0] === 0).at(-1);
  assert.deepEqual([choose[1], choose[3]], ["/segue/model/choose", "default"]);
  // live play: a streamed bar's note goes to [pipe] (outlet 1) with its delay; Stop clears the pipe
  fake.song.is_playing = 1; fake.song.current_song_time = 0;
  call("tick");
  reply("/segue/bar/begin", 0, 1, 1, 1, 0.3, 0.5, 1, 0, 0, 0, 0, 0);
  reply("/segue/bar/notes", 0, 1, 0, 64, 0.0625, 0.5, 90);
  reply("/segue/bar/end", 0, 1);
  call("tick");
  const on = ctx.outs.filter((o) => o[0] === 1).at(-1);
  assert.deepEqual(on.slice(0, 3), [1, 64, 90]);
  assert.ok(on[3] > 0 && on[3] <= 31.25, "delay " + on[3] + " ms: 1/16 beat at 120 BPM, less the time passed");
  fake.song.is_playing = 0;
  call("tick");
  const after = ctx.outs.filter((o) => o[0] === 1).slice(-2);
  assert.deepEqual(after, [[1, "clear"], [1, 64, 0, 0]]);
  const sent = ctx.outs.filter((o) => o[0] === 0).map((o) => o[1]);
  assert.ok(sent.includes("/segue/knob/set/morph") && sent.includes("/segue/clip/begin"), sent.join(" "));
  const status = ctx.outs.filter((o) => o[0] === 2).at(-1);
  assert.equal(status[1], "set");
  assert.match(status[2], /^connected · tiny \(MIT\) · CPU/);
  // Capture pressed: the write waits for [deferlow] (outlet 4), and flush runs it outside the notification.
  fake.notify(() => call("capture", 1));
  assert.deepEqual(ctx.outs.at(-1), [4, "bang"]);
  assert.throws(() => fake.notify(() => call("flush")), { message: NOTIFY_ERROR });
  call("capture", 1);
  call("flush");
  assert.match(fake.tracks[0].slots[2].name, /^Segue capture/);
});
