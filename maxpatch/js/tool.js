// The MIDI Tools' controller: Segue Transform (Shift, Morph, Vary) and Segue Generate (Sample,
// Between) in Live 12's clip view, as a plain object. Its link to the engine is link.js, the same
// as the streaming device's (ids, reply ports, hello, keep-alive); segue_tool.js is the [v8] glue.
//
// The apply cycle. [live.miditool.in] hands over the clip's notes and its context (the range,
// Live's scale, the grid); [live.miditool.out] must get the notes to write in the same pass: a
// dictionary that comes later is refused ("Received a Note dictionary asynchronously"), and none
// at all is an error too ("Did not receive a Note dictionary in time"). The engine answers over
// UDP, later. So apply() answers at once, and the answer arrives on a second pass of the same cycle:
//   - a result already made for exactly this request (notes, range, settings): write it;
//   - else: ask the engine (or keep the request as the newest, while another is in flight), write
//     what the clip holds now (its notes as they were, or this cycle's last result), say "working…";
//   - when the result arrives: reapply() bangs [live.miditool.in] (through [deferlow]), which
//     continues the cycle with the same notes and context; apply() now finds the result and writes it.
// Only the newest request waits behind the one in flight (a knob drag asks once or twice, not 80
// times). A pass the tool asked for that finds the clip, range or settings changed writes nothing
// new: the tool never changes a clip nobody applied it to. With the engine not running, the notes
// are left as they were and the tool says so.
//
// env: link.js's (send, listen, probe, status, store, registry, now, random), and
//   reapply()          bang [live.miditool.in] from the low-priority queue (a new pass of the cycle),
//                      calling reapplying() just before
//   lines(head, a, b)  the three status lines (optional; else status(text) gets one line)
//   targets(items, chosen)  the items of the target menus (optional)
//   api(path), observe(path, property, fn)  the Live API (to read a clip by track and scene, the meter)
"use strict";
var notes = require("./notes");
var msgs = require("./messages");
var live = require("./live");
var link = require("./link");
var wrap = link.wrap; // words into lines (shared with the streaming device's captions)

var M = msgs.messages;
var MODES = { transform: ["shift", "morph", "vary"], generate: ["sample", "between"] };
var SOURCES = { transform: ["target"], generate: ["a", "b"] }; // the clips a mode reads besides the range
var CACHE = 24;            // results kept (a drag back over values already heard writes at once)
var RESULT_STALE_MS = 3000, RESULT_RETRIES = 2; // a result whose end never came: ask again
var LINE_CHARS = 58;       // a status line (tests/maxpatch measures every status against its field)
var EPS = 1e-6;

function Tool(env, kind) {
  link.init(this, env);
  if (!MODES[kind]) throw new Error("a tool is transform or generate, not " + kind);
  this.kind = kind;
  this.mode = MODES[kind][0];
  this.params = { amount: 0.5, temperature: 0.5, seed: 0, bars: 2, step: 2, steps: 4 };
  for (var k = 0; k < msgs.ATTRIBUTES.length; k++) this.params[msgs.ATTRIBUTES[k]] = 0;
  this.sources = {};   // target | a | b -> {slot: {instance, slot} | null, track, scene} (0-based)
  var names = SOURCES[kind];
  for (k = 0; k < names.length; k++) this.sources[names[k]] = { slot: null, track: 0, scene: k };
  this.targets = [];   // the engine's slots of other sessions: [{instance, slot, bars}]
  this.cache = [];     // [{key, notes, message} | {key, error}], newest last
  this.inFlight = null; // {key, req, rid, tries, at}
  this.want = null;    // the newest request, waiting for the one in flight
  this.results = {};   // rid -> the result being put together
  this.cycle = null;   // {sig, output}: the input of the current cycle, and what was last written for it
  this.asked = null;   // the pass now running was asked for by the result of this key (reapply)
  this.resultKey = null;
  this.meter = { num: 4, den: 4 };
  this.counts = { requests: 0, applies: 0, written: 0 }; // for the tests and the benchmark
}

// --- the link's hooks (link.js) ----------------------------------------------------------------
Tool.prototype._starting = function () {
  var self = this, env = this.env;
  if (!env.api) return;
  var song = env.api("live_set");
  this.meter = { num: Number(song.get("signature_numerator")) || 4, den: Number(song.get("signature_denominator")) || 4 };
  if (!env.observe) return;
  ["signature_numerator", "signature_denominator"].forEach(function (prop) {
    env.observe("live_set", prop, function (args) {
      if (args && args[0] === prop) self.meter[prop === "signature_numerator" ? "num" : "den"] = Number(args[1]) || 4;
    });
  });
};
Tool.prototype._connected = function () {
  this.inFlight = null; // an engine that restarted has none of it: ask again on the next pass
  this.want = null;
  this.results = {};
  this.cache = [];      // a restarted engine may play another model
};
Tool.prototype._sync = function () { this._ping(); };
Tool.prototype._ping = function () { this._send(M.toolTargets(this.nextRid()), { what: "targets" }); };
Tool.prototype._lost = function () { this.inFlight = null; this.want = null; this.results = {}; };
Tool.prototype._failed = function (p, text) {
  if (p && p.key !== undefined && this.inFlight && p.key === this.inFlight.key) {
    this._remember({ key: p.key, error: text }); // the same request fails the same way: say it, ask no more
    this.inFlight = null;
    this._next();
  }
  this._say(text);
};
Tool.prototype._receive = function (address, args, p) {
  switch (address) {
    case "/segue/clip/ack": this._onAck(args, p); return true;
    case "/segue/tool/targets":
      if (p) { delete this.pending[args[0]]; this._onTargets(args.slice(1)); }
      return true;
    case "/segue/tool/result/begin":
      if (p && this.inFlight && p.key === this.inFlight.key) {
        this.results[args[0]] = { key: p.key, count: args[1], length: args[2], message: String(args[3] || ""),
                                  chunks: {}, at: this.env.now() };
      }
      return true;
    case "/segue/tool/result/notes":
      var r = this.results[args[0]];
      if (r) r.chunks[args[1]] = notes.unflatten(args.slice(2));
      return true;
    case "/segue/tool/result/end":
      if (p) delete this.pending[args[0]];
      this._onResultEnd(args[0], args[1]);
      return true;
  }
  return false;
};

// --- settings -------------------------------------------------------------------------------------
Tool.prototype.setMode = function (index) {
  var modes = MODES[this.kind];
  this.mode = modes[Math.max(0, Math.min(modes.length - 1, Math.round(Number(index) || 0)))];
};
Tool.prototype.param = function (name, value) {
  if (!(name in this.params)) throw new Error("no tool setting " + name);
  this.params[name] = Number(value);
};
// A source's menu (0: the clip at Track/Scene below it; 1..: the engine's slots) or its track/scene.
Tool.prototype.pick = function (which, field, value) {
  var src = this.sources[which];
  if (!src) throw new Error("no source " + which);
  if (field === "menu") {
    var index = Math.round(Number(value) || 0);
    var t = this.targets[index - 1];
    src.slot = index > 0 && t ? { instance: t.instance, slot: t.slot } : null;
  } else {
    src[field] = Math.max(0, Math.round(Number(value) || 1) - 1); // the numbox shows 1-based
  }
};
Tool.prototype._onTargets = function (flat) {
  var list = [];
  for (var k = 0; k + 2 < flat.length; k += 3) list.push({ instance: String(flat[k]), slot: String(flat[k + 1]), bars: flat[k + 2] | 0 });
  if (JSON.stringify(list) === JSON.stringify(this.targets)) return;
  this.targets = list;
  if (this.env.targets) {
    var items = ["clip at Track / Scene"].concat(list.map(targetLabel));
    for (var name in this.sources) {
      var src = this.sources[name], at = 0;
      for (var i = 0; src.slot && i < list.length; i++) {
        if (list[i].instance === src.slot.instance && list[i].slot === src.slot.slot) at = i + 1;
      }
      if (src.slot && !at) src.slot = null; // its session went away
      this.env.targets(name, items, at);
    }
  }
};
function targetLabel(t) { return "slot " + t.slot + " of " + t.instance.replace(/^segue-/, "").slice(0, 6) + " (" + t.bars + " bars)"; }

// --- the apply cycle ---------------------------------------------------------------------------------
// One pass: the notes and context dicts from [live.miditool.in] (plain objects) -> the dict for
// [live.miditool.out], at once. Never throws: a problem is said, and the notes are left as they were.
Tool.prototype.apply = function (notesDict, context) {
  this.counts.applies++;
  var asked = this.asked;
  this.asked = null;
  var input = (notesDict && notesDict.notes) || [];
  var sig = JSON.stringify([input, context]);
  if (!this.cycle || this.cycle.sig !== sig) this.cycle = { sig: sig, output: null, reads: {} }; // Live read once a cycle
  var cycle = this.cycle;
  var unchanged = { notes: input };
  var req;
  try {
    req = this._request(input, context);
  } catch (e) {
    this._say(String(e.message || e));
    return unchanged;
  }
  if (req.same) { this._say(req.same); return this._write(cycle, unchanged); }
  var hit = this._cached(req.key);
  if (hit && hit.error) { this._say(hit.error); return this._write(cycle, unchanged); }
  if (hit) {
    this._say(done(hit, req));
    return this._write(cycle, { notes: req.outside.concat(toLive(hit.notes, req.from, req.to)) });
  }
  var now = cycle.output || unchanged; // what the clip shows now: write it again
  if (asked !== null) { // a pass asked for by a result, but the clip, range or settings moved on
    this._say("the clip or the settings changed while Segue worked: apply again");
    return now;
  }
  if (this.state !== "connected") {
    this._say(this.everConnected ? "engine lost: notes left as they were" :
              "engine not running: notes left as they were (start it: segue serve)");
    return this._write(cycle, unchanged);
  }
  this._ask(req);
  this._say("working\u2026" + (req.note ? " (" + req.note + ")" : ""));
  return now;
};
Tool.prototype._write = function (cycle, out) { cycle.output = out; this.counts.written++; return out; };

function done(hit, req) {
  var text = "done: " + hit.notes.length + " note" + (hit.notes.length === 1 ? "" : "s");
  var said = [hit.message, req.note].filter(Boolean).join("; ");
  return said ? text + " \u2014 " + said : text;
}

// The request for this pass: {key, op, args, uploads, look, from, to, outside, note}, or {same: why}
// when the answer is the notes as they were (no engine needed). Throws with what to tell the user.
Tool.prototype._request = function (input, context) {
  var range = rangeOf(context, input);
  var inside = [], outside = [];
  for (var k = 0; k < input.length; k++) {
    var n = input[k], start = Number(n.start_time);
    (!n.mute && start >= range.from - EPS && start < range.to - EPS ? inside : outside).push(n);
  }
  var look = this._look(context);
  var p = this.params, op = this.mode, length = round(range.to - range.from);
  var req = { op: op, from: range.from, to: range.to, outside: outside, note: look.note, uploads: [], args: null };
  if (this.kind === "transform") {
    if (op === "shift" && (p.amount === 0 || msgs.ATTRIBUTES.every(function (a) { return !p[a]; }))) {
      return { same: p.amount === 0 ? "amount 0: the notes as they were" : "every attribute at 0: the notes as they were" };
    }
    if (op === "morph" && p.amount === 0) return { same: "amount 0: the notes as they were" };
    if (op === "vary" && p.temperature === 0) return { same: "temperature 0: the notes as they were" };
    if (!inside.length) throw new Error("no notes in the range: select the notes to transform");
    var reads = this.cycle ? this.cycle.reads : {};
    if (reads.kind === undefined) reads.kind = this._kind();
    req.uploads.push({ name: "tool-in", notes: relative(inside, range), length: length, kind: reads.kind });
    if (op === "shift") {
      req.args = ["tool-in", p.amount].concat(msgs.ATTRIBUTES.map(function (a) { return p[a]; }));
    } else if (op === "morph") {
      req.args = ["tool-in"].concat(this._source("target", req));
      req.args.push(p.amount);
    } else {
      req.args = ["tool-in", p.temperature, Math.round(p.seed)];
    }
  } else if (op === "sample") {
    req.args = [length, Math.max(1, Math.min(64, Math.round(p.bars))), p.temperature, Math.round(p.seed)];
  } else {
    var steps = Math.max(2, Math.min(64, Math.round(p.steps)));
    var step = Math.round(p.step);
    if (step < 1 || step > steps) throw new Error("Step must be 1 to " + steps + " (the steps from A to B)");
    req.args = [length].concat(this._source("a", req), this._source("b", req), [step, steps]);
  }
  req.look = msgs.toolLook(look.root, look.scale, look.grid, this.meter.num, this.meter.den);
  req.key = JSON.stringify([op, req.args, req.look, req.uploads]);
  return req;
};

// The range: Live's time selection, else from the first note's start to the last one's end.
function rangeOf(context, input) {
  var clip = (context && context.clip) || {};
  var from = Number(clip.time_selection_start), to = Number(clip.time_selection_end);
  if (!(isFinite(from) && isFinite(to) && to > from + EPS)) {
    from = Number(clip.first_note_start); to = Number(clip.last_note_end);
  }
  if (!(isFinite(from) && isFinite(to) && to > from + EPS) && input.length) {
    from = Infinity; to = -Infinity;
    for (var k = 0; k < input.length; k++) {
      from = Math.min(from, Number(input[k].start_time));
      to = Math.max(to, Number(input[k].start_time) + Number(input[k].duration));
    }
  }
  if (!(isFinite(from) && isFinite(to) && to > from + EPS)) throw new Error("select notes or a time range in the clip");
  if (to - from > 256) throw new Error("the range is " + round(to - from) + " beats: Segue takes at most 64 bars");
  return { from: Math.max(0, from), to: to };
}
function round(x) { return Math.round(x * 1e6) / 1e6; }

// Notes of the range from its first beat, as the engine takes them (cut at the range's end).
function relative(list, range) {
  var out = [];
  for (var k = 0; k < list.length; k++) {
    var n = list[k], start = Math.max(0, round(Number(n.start_time) - range.from));
    var duration = Math.min(Number(n.duration), round(range.to - range.from - start));
    if (!(duration > 0)) continue;
    out.push({ pitch: notes.clamp(Math.round(n.pitch), 0, 127), start: start, duration: round(duration),
               velocity: notes.clamp(Math.round(Number(n.velocity)), 1, 127) });
  }
  return out.sort(function (a, b) { return a.start - b.start || a.pitch - b.pitch; });
}

// The result's notes as Live's note dicts, back in the clip's time (new notes: no note_id).
function toLive(list, from, to) {
  var out = [];
  for (var k = 0; k < list.length; k++) {
    var n = list[k], start = round(from + n.start);
    if (start >= to - EPS) continue;
    out.push({ pitch: n.pitch, start_time: start, duration: round(Math.min(n.duration, to - start)),
               velocity: n.velocity, mute: 0, probability: 1, velocity_deviation: 0, release_velocity: 64 });
  }
  return out;
}

// Where the result lands: Live's scale while Scale Mode is on (by its name, as the streaming device's
// Root "Song"), the clip's grid while it is on. note: what the tool says about it.
Tool.prototype._look = function (context) {
  var scale = (context && context.scale) || {}, grid = (context && context.grid) || {};
  var key = { mode: scale.scale_mode, root: scale.root_note, name: scale.scale_name };
  var snap = live.songSnap(key), note = "";
  if (Number(scale.scale_mode) === 1 && snap.root < 0) {
    note = "Live's scale " + (scale.scale_name || "") + " has no table in Segue: not snapped";
  }
  var interval = Number(grid.interval);
  return { root: snap.root, scale: snap.scale || "major", note: note,
           grid: grid.enabled === 0 || !(interval > 0) ? 0 : Math.min(interval, 4) };
};

// The clip being edited is a drum rack's (its notes are drums) or not.
Tool.prototype._kind = function () {
  var api = this.env.api;
  if (!api) return "notes";
  try {
    var view = api("live_set view detail_clip");
    if (!view.id || String(view.id) === "0") return "notes";
    var path = String(view.unquotedpath || view.path || "live_set view detail_clip").replace(/"/g, "");
    var track = live.trackOfClip(api, path);
    return track !== null && live.isDrumTrack(api, track) ? "drums" : "notes";
  } catch (e) {
    return "notes";
  }
};

// A source's two arguments (instance, name): a slot of another session, or the clip at Track/Scene,
// read now and uploaded with the request.
Tool.prototype._source = function (which, req) {
  var src = this.sources[which];
  if (src.slot) return [src.slot.instance, src.slot.slot];
  if (!this.env.api) throw new Error("no Live set to read the clip at Track/Scene from");
  var reads = this.cycle ? this.cycle.reads : {}, at = which + ":" + src.track + ":" + src.scene;
  var clip = reads[at] || (reads[at] = live.readClip(this.env.api, { track: src.track, scene: src.scene }));
  var label = which === "target" ? "target" : "clip " + which.toUpperCase();
  if (clip.error) throw new Error(label + ": " + clip.error);
  if (!clip.notes.length) throw new Error(label + ": the clip holds no notes");
  var name = "tool-" + which;
  req.uploads.push({ name: name, notes: clip.notes, length: clip.length, kind: clip.kind });
  return ["", name];
};

// --- asking the engine ------------------------------------------------------------------------------
Tool.prototype._ask = function (req) {
  if (this.inFlight) {
    if (this.inFlight.key !== req.key) this.want = req; // only the newest waits
    return;
  }
  this.want = null;
  this.inFlight = { key: req.key, req: req, tries: 0, waiting: 0, at: this.env.now() };
  this._upload(this.inFlight);
};
Tool.prototype._upload = function (flight) {
  var self = this, req = flight.req;
  flight.waiting = req.uploads.length;
  flight.at = this.env.now();
  if (!flight.waiting) { this._operate(flight); return; }
  for (var u = 0; u < req.uploads.length; u++) {
    var up = req.uploads[u];
    var batch = M.upload(function () { return self.nextRid(); }, up.name, up.notes, up.length, up.kind, msgs.CHUNK_BYTES);
    for (var k = 0; k < batch.length; k++) {
      this._send(batch[k], { what: k === batch.length - 1 ? "tool-upload-end" : "tool-upload", key: flight.key });
    }
  }
};
Tool.prototype._onAck = function (args, p) {
  if (!p) return;
  delete this.pending[args[0]];
  var flight = this.inFlight;
  if (p.what !== "tool-upload-end" || args[2] !== -2 || !flight || p.key !== flight.key) return;
  if (--flight.waiting === 0) this._operate(flight);
};
Tool.prototype._operate = function (flight) {
  this.counts.requests++;
  flight.at = this.env.now();
  flight.rid = this._send(M.tool(this.nextRid(), flight.req.op, flight.req.args, flight.req.look),
                          { what: "tool", key: flight.key });
};
Tool.prototype._onResultEnd = function (rid, chunks) {
  var r = this.results[rid];
  delete this.results[rid];
  var flight = this.inFlight;
  if (!r || !flight || r.key !== flight.key) return;
  var list = [];
  for (var k = 0; k < chunks; k++) {
    if (!r.chunks[k]) { list = null; break; }
    list = list.concat(r.chunks[k]);
  }
  if (!list || list.length !== r.count) { this._retry(flight); return; } // a datagram was lost
  this._remember({ key: r.key, notes: list, message: r.message });
  this.inFlight = null;
  this._event("answer", r.key);
  var next = this.want;
  if (next && next.key !== r.key) { this._next(); return; } // a newer request waits: the newest only
  this.want = null;
  this.resultKey = r.key; // write it: a new pass of the cycle finds it
  this._event("result", r.key);
  if (this.env.reapply) this.env.reapply();
};
// The pass asked for by a result comes next ([deferlow] -> [t b reapplying]: this, then the bang).
Tool.prototype.reapplying = function () { this.asked = this.resultKey || null; };
Tool.prototype._retry = function (flight) {
  if (++flight.tries > RESULT_RETRIES) {
    this.inFlight = null;
    this._say("the engine's answer was lost (datagrams dropped): apply again");
    this._next();
    return;
  }
  this._event("result-retry", flight.key);
  this._upload(flight); // its clips may be gone too (an engine that restarted)
};
Tool.prototype._next = function () {
  var next = this.want;
  this.want = null;
  if (next) this._ask(next);
};
Tool.prototype._remember = function (entry) {
  this.cache = this.cache.filter(function (e) { return e.key !== entry.key; });
  this.cache.push(entry);
  if (this.cache.length > CACHE) this.cache.shift();
};
Tool.prototype._cached = function (key) {
  for (var k = this.cache.length - 1; k >= 0; k--) if (this.cache[k].key === key) return this.cache[k];
  return null;
};

// Every ~100 ms ([qmetro]): the link's keep-alive, and a result that never ended asked for again.
Tool.prototype.tick = function () {
  var now = this.env.now(), flight = this.inFlight;
  if (flight && now - flight.at > RESULT_STALE_MS && this.state === "connected") this._retry(flight);
  this._keepAlive(now);
};

// --- status: three lines (the connection, then the latest message over two) -------------------------
Tool.prototype.statusLines = function () {
  var heads = this.statusHeads(["engine not running: start it (segue serve)"]);
  var head = heads.filter(function (h) { return h.length <= LINE_CHARS; })[0] || heads[heads.length - 1].slice(0, LINE_CHARS);
  return [head].concat(wrap(String(this.message || ""), LINE_CHARS, 2));
};
Tool.prototype._status = function () {
  var lines = this.statusLines();
  if (this.env.lines) this.env.lines(lines[0], lines[1], lines[2]);
  else this.env.status(lines.filter(Boolean).join(" \u2014 "));
};
Tool.prototype.statusText = function () { return this.statusLines().filter(Boolean).join(" \u2014 "); };

link.mixin(Tool.prototype);

module.exports = { Tool: Tool, MODES: MODES, SOURCES: SOURCES, LINE_CHARS: LINE_CHARS, CACHE: CACHE,
                   rangeOf: rangeOf, relative: relative, toLive: toLive, wrap: wrap };
