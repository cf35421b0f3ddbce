// The device's controller: everything the Max patch does besides wiring, as a plain object.
// env (injected; Max bindings in segue.js, fakes in the tests):
//   send(msg)            an OSC message [address, args...] to [udpsend 127.0.0.1 9797]
//   listen(port)         point [udpreceive] at this reply port
//   probe(port, msg)     (optional) send msg to 127.0.0.1:port, our own reply port: if it never comes
//                        back, something else holds that port (the evidence that marks it bad)
//   output(pitch, vel, delayMs)  a note to the device's MIDI output, delayMs from now (vel 0 = note-off)
//   cancel()             forget every note handed to output() that has not fired yet
//   models(names, current)  show the engine's models in the Model menu, `current` chosen (optional)
//   status(text)         the status line
//   api(path)            a LiveAPI-like object for a path (reads and writes)
//   observe(path, property, fn)  a LiveAPI observer: fn(args) with args [property, value...] now and
//                        on every change (Live calls it inside a notification: no writes there)
//   defer(fn)            run fn later, outside any Live notification (deferlow)
//   store                {get(key), set(key, value)}: saved with the Live set (a pattr)
//   registry             shared by every Segue device in this Max (see Registry)
//   now()                milliseconds
//   track()              the index of the device's own track (clips are written there)
// tick(beat) runs every few ms with the song position from Max's Live-synced transport ([qmetro] ->
// [when], in beats); without one it reads Live's current_song_time itself, at most every POLL_MS.
"use strict";
var notes = require("./notes");
var msgs = require("./messages");
var schedule = require("./schedule");
var live = require("./live");

var M = msgs.messages;
var PING_MS = 1000, LOST_MS = 3500, HELLO_RETRY_MS = 1000;
var PROBE_MS = 1000, PORT_HOPS = 8; // our own probe not back by then: another program holds the port
var IN_USE_RETRY_MS = 2500, IN_USE_TRIES = 4; // "instance in use": wait for its former self, then a new id
// Notes go to the scheduler this far ahead of their time: more than the JS thread's usual lateness,
// little enough that a knob turn still reaches the next bar.
var LOOKAHEAD_MS = 60;
var LATE_DROP_MS = 10;      // a note that would sound later than this is dropped, not played in a clump
var START_GRACE_MS = 150;   // ...except the first notes after Play, which are played at once
var POLL_MS = 20, POLL_STOPPED_MS = 250, CLOCK_STALE_MS = 50; // reading current_song_time ourselves
var BAR_STALE_MS = 500, BAR_RETRIES = 3, MISSING_MS = 300, RENDER_RETRIES = 2;
var STATUS_CHARS = 96;      // what the status field shows (tests/maxpatch checks it fits)
var FIRST_PORT = 9800, LAST_PORT = 9899;

// Shared by the devices of one Max (segue.js keeps it in a Max Global, which every [v8] in Live
// sees): which live device holds which instance id (a copied device must take a new one), which
// device owns which reply port, and ports found deaf (our own probe never came back: another
// program holds it). A deaf mark is evidence-based and cleared once its device has said hello.
function Registry(first, last) {
  this.first = first || FIRST_PORT;
  this.last = last || LAST_PORT;
  this.owners = {};  // port -> instance
  this.bad = {};     // port -> the instance that found it deaf
  this.holders = {}; // instance -> the nonce of the live device holding it
}
Registry.prototype.hold = function (instance, nonce) {
  if (this.holders[instance] && this.holders[instance] !== nonce) return false;
  this.holders[instance] = nonce;
  return true;
};
Registry.prototype.heldByOther = function (instance, nonce) {
  return !!this.holders[instance] && this.holders[instance] !== nonce;
};
Registry.prototype.unhold = function (instance, nonce) {
  if (this.holders[instance] === nonce) delete this.holders[instance];
};
Registry.prototype.claim = function (instance) {
  for (var p = this.first; p <= this.last; p++) {
    if (this.owners[p] === instance && !this.bad[p]) return p;
  }
  for (p = this.first; p <= this.last; p++) {
    if (this.owners[p] === undefined && !this.bad[p]) { this.owners[p] = instance; return p; }
  }
  throw new Error("no free reply port in " + this.first + "-" + this.last);
};
Registry.prototype.markBad = function (port, instance) { this.bad[port] = instance; this.release(port, instance); };
Registry.prototype.clearMarks = function (instance) {
  for (var p in this.bad) if (this.bad[p] === instance) delete this.bad[p];
};
Registry.prototype.release = function (port, instance) {
  if (this.owners[port] === instance) delete this.owners[port];
};
Registry.prototype.rename = function (from, to) {
  for (var p in this.owners) if (this.owners[p] === from) this.owners[p] = to;
  for (p in this.bad) if (this.bad[p] === from) this.bad[p] = to;
};

function newInstanceId(random) {
  var s = "segue-";
  for (var k = 0; k < 12; k++) s += "0123456789abcdef"[Math.floor(random() * 16)];
  return s;
}

function shortLicence(text) {
  var s = String(text || "").split(/[;(]/)[0].trim();
  return s.length > 24 ? s.slice(0, 23) + "\u2026" : s;
}

function Device(env) {
  this.env = env;
  this.random = env.random || Math.random;
  this.nonce = newInstanceId(this.random).slice(6); // this load of the device, for the registry
  this.rid = 0;
  this.state = "off"; // off -> connecting -> connected -> lost -> connecting ...
  this.everConnected = false;
  this.model = null;  // {name, kind, device, licence, version}
  this.latency = null;
  this.message = "";
  this.sources = {};  // slot -> {track, scene} or "selected"
  this.clips = {};    // slot -> {notes, length, kind, name} last read (re-uploaded after a restart)
  this.encoded = {};  // slot -> {windows, clip_bars}
  this.pending = {};  // rid -> {what, ...}
  this.knobs = {};    // name -> value (sent again after a reconnect)
  this.rootChoice = 0; // the Root menu: 0 = the song's key, 1 = off, 2.. = C..B
  this.scaleChoice = 0;
  this.key = null;    // Live's song key {mode, root, name}, observed
  this.mode = "live";
  this.steps = 8;
  this.bars = 4;
  this.assembler = new schedule.BarAssembler();
  this.renders = new schedule.RenderAssembler();
  this.queue = new schedule.BarQueue();
  this.player = new schedule.Player(this.queue, function (p, v, d) { env.output(p, v, d); });
  this.clock = new schedule.SongClock({ windowMs: env.clockWindowMs });
  this.song = { playing: false, tempo: 120, num: 4, den: 4, loop: false, loopStart: 0, loopLength: 0 };
  this.transport = { playing: false, tempo: 120, beat: 0, num: 4, den: 4 };
  this.restBeat = 0;   // where the playhead rests while stopped: Play starts there
  this.lastStopped = null;
  this.horizon = null; // song beat up to which notes have been handed to the scheduler
  this.graceUntil = null; // the first notes after Play, up to this song beat, are played however late
  this.graceEnd = 0;
  this.lookaheadMs = env.lookaheadMs === undefined ? LOOKAHEAD_MS : env.lookaheadMs;
  this.lateDropMs = env.lateDropMs === undefined ? LATE_DROP_MS : env.lateDropMs;
  this.lastReading = -Infinity; // when the transport last gave a song position
  this.lastPoll = -Infinity;
  this.sentLoop = null; // the loop last told to the engine, "start,end"
  this.sentBar = null;
  this.lastPing = 0;
  this.lastHeard = 0;
  this.lastHello = 0;
  this.nextHello = 0;
  this.refusals = 0;
  this.portOk = false;
  this.probeAt = null;
  this.hops = 0;
  this.requested = {}; // bar -> {at, tries}: bars asked for again
  this.written = [];  // paths of clips this device wrote
  this.onEvent = null; // optional hook for tests: (name, detail)
}

Device.prototype.nextRid = function () {
  this.rid = this.rid >= 2147483646 ? 1 : this.rid + 1;
  return this.rid;
};
Device.prototype._send = function (msg, pending) {
  if (pending) this.pending[msg[1]] = pending;
  this.env.send(msg);
  return msg[1];
};
Device.prototype._event = function (name, detail) { if (this.onEvent) this.onEvent(name, detail); };

// --- connection -----------------------------------------------------------------------------
// The id saved with the set names this device's session in the engine. A copy of a live device
// (Cmd/Ctrl+D, copy-paste, a preset) restores the same id: the registry shows another live device
// holds it, and the copy takes a new one (and saves it).
Device.prototype.start = function () {
  var reg = this.env.registry;
  this.instance = this.env.store.get("instance");
  if (!this.instance || !reg.hold(this.instance, this.nonce)) {
    if (this.instance) this._event("duplicate", this.instance);
    this._newInstance();
  }
  this.port = reg.claim(this.instance);
  this._listen();
  this._observeSong();
  this.state = "connecting";
  this._hello();
  this._status();
};
// A new id, held in the registry and saved with the set. mine: the old id was this device's (its
// port goes with it); else another device holds the old id and everything under it.
Device.prototype._newInstance = function (mine) {
  var reg = this.env.registry, old = this.instance;
  do { this.instance = newInstanceId(this.random); } while (!reg.hold(this.instance, this.nonce));
  if (old && mine) { reg.unhold(old, this.nonce); reg.rename(old, this.instance); }
  this.env.store.set("instance", this.instance);
  this._event("new-instance", this.instance);
};
Device.prototype._listen = function () {
  this.env.listen(this.port);
  this.portOk = !this.env.probe; // without a probe there is no evidence either way
  if (this.env.probe) {
    this.probeNonce = newInstanceId(this.random);
    this.probeAt = this.env.now();
    this.env.probe(this.port, [msgs.PREFIX + "/probe", this.probeNonce]);
  }
};
Device.prototype._hello = function () {
  this.lastHello = this.env.now();
  this.nextHello = this.lastHello + HELLO_RETRY_MS;
  if (this.state !== "connected") this.pending = {}; // nothing else is coming back from a lost engine
  this._send(M.hello(this.nextRid(), this.instance, this.port, msgs.CHUNK_BYTES), { what: "hello" });
};
Device.prototype.stop = function () {
  this._silence();
  if (this.state === "connected") this._send(M.goodbye(this.nextRid()));
  this.env.registry.release(this.port, this.instance);
  this.env.registry.unhold(this.instance, this.nonce);
  this.state = "off";
};

Device.prototype._onHello = function (args) {
  var reconnect = this.everConnected;
  this.state = "connected";
  this.everConnected = true;
  this.refusals = 0;
  this.env.registry.clearMarks(this.instance);
  this.lastHeard = this.env.now();
  this.model = { name: args[4], device: args[5], licence: args[6], version: args[3], kind: null };
  this.resumed = args[2] === 1;
  this.sentLoop = null; // tell this engine the loop again
  // echo the hello's token: the engine streams bars only to a client that shows it reads its port
  if (args[7] !== undefined) this._send(M.helloConfirm(this.nextRid(), args[7]), { what: "confirm" });
  this._send(M.modelInfo(this.nextRid()), { what: "info", sync: true });
  this._send(M.modelList(this.nextRid()), { what: "models" });
  // Bring the engine up to date: it may have restarted (a fresh session) or be a new one.
  this.sentBar = null;
  this.queue.clear();
  this.requested = {};
  this._event(reconnect ? "reconnected" : "connected", args);
};
Device.prototype._sync = function () {
  var k;
  for (k in this.knobs) this._send(M.knob(this.nextRid(), k, this.knobs[k]), { what: "knob" });
  for (k in this.sources) this.load(k);
  this._sendTransport();
};

// --- Live's song: observed, not polled ----------------------------------------------------------
Device.prototype._observeSong = function () {
  var self = this, env = this.env;
  this.song = live.songState(env.api);
  this.key = live.songKey(env.api);
  var at = live.songTime(env.api);
  if (isFinite(at)) {
    this.restBeat = at;
    this.lastStopped = { beat: at, at: env.now() };
    this.clock.reset(at, env.now());
  }
  this.clock.setLoop(this._loopDef(), env.now());
  this.clock.setRate(this.song.playing ? (this.song.tempo || 120) / 60000 : 0, env.now());
  this._applyScale();
  if (!env.observe) return;
  Object.keys(live.SONG_STATE).forEach(function (prop) {
    env.observe("live_set", prop, function (args) { if (args && args[0] === prop) self._songChanged(prop, args); });
  });
  ["scale_mode", "root_note", "scale_name"].forEach(function (prop) {
    env.observe("live_set", prop, function (args) { if (args && args[0] === prop) self._keyChanged(prop, args); });
  });
};
Device.prototype._loopDef = function () {
  var s = this.song;
  return s.loop && s.loopLength > 0 ? { start: s.loopStart, end: s.loopStart + s.loopLength } : null;
};
// An observer callback (inside Live's notification): only the device's own state changes here.
Device.prototype._songChanged = function (prop, args) {
  var field = live.SONG_STATE[prop], value = Number(args[1]), now = this.env.now();
  if (prop === "is_playing" || prop === "loop") value = value === 1;
  if (this.song[field] === value) return;
  this.song[field] = value;
  if (prop === "is_playing" || prop === "tempo") {
    this.clock.setRate(this.song.playing ? (this.song.tempo || 120) / 60000 : 0, now);
  } else if (prop === "loop" || prop === "loop_start" || prop === "loop_length") {
    this.clock.setLoop(this._loopDef(), now);
  }
};
// Scale Mode, the root or the scale changed: applied from the low-priority queue (a burst of
// changes, say a new key picked in Live, is applied once).
Device.prototype._keyChanged = function (prop, args) {
  var field = { scale_mode: "mode", root_note: "root", scale_name: "name" }[prop];
  var value = prop === "scale_name" ? args.slice(1).join(" ") : Number(args[1]);
  this.key = this.key || {};
  if (this.key[field] === value) return;
  this.key[field] = value;
  if (this.keyQueued) return;
  this.keyQueued = true;
  var self = this;
  this.env.defer(function () { self.keyQueued = false; self._applyScale(); });
};

// --- receiving ------------------------------------------------------------------------------
Device.prototype.receive = function (address, args) {
  if (address === msgs.PREFIX + "/probe") { // our own probe came back: the reply port is ours
    if (args[0] === this.probeNonce) { this.portOk = true; this._event("port-ok", this.port); }
    return;
  }
  this.lastHeard = this.env.now();
  this.portOk = true; // the engine reached us here: the port works
  var p = this.pending[args[0]];
  switch (address) {
    case "/segue/hello": if (p) { delete this.pending[args[0]]; this._onHello(args); } break;
    case "/segue/transport/set": // also the keep-alive: its round trip is the latency shown
      if (p) {
        delete this.pending[args[0]];
        var latency = this.env.now() - p.at;
        if (latency !== this.latency) { this.latency = latency; this._status(); }
      }
      break;
    case "/segue/model/info":
      delete this.pending[args[0]];
      if (this.model) {
        this.model.name = args[1]; this.model.kind = args[2]; this.model.windowBars = args[3];
        this.model.device = args[6]; this.model.licence = args[7];
        this.model.choice = args[8] === undefined ? null : String(args[8]);
        this._showModels();
      }
      this._status();
      if (p && p.sync) this._sync(); // after hello: bring the engine up to date
      break;
    case "/segue/model/list":
      if (p) {
        delete this.pending[args[0]];
        this.models = args.slice(1).map(String);
        this._showModels();
      }
      break;
    case "/segue/model/choose":
      if (p) { // the engine switched and encoded the clips again with the new model: show it
        delete this.pending[args[0]];
        this._send(M.modelInfo(this.nextRid()), { what: "info" });
        this._say("model " + args[1]);
      }
      break;
    case "/segue/clip/ack": this._onAck(args, p); break;
    case "/segue/slot/encode":
      if (p) {
        delete this.pending[args[0]];
        this.encoded[args[1]] = { windows: args[2], clipBars: args[3] };
        this._say("clip " + args[1] + " ready (" + args[3] + " bars)");
        this._event("encoded", args[1]);
      }
      break;
    case "/segue/bar/begin": this.assembler.begin(args, this.env.now()); break;
    case "/segue/bar/notes": this.assembler.notes(args, notes.unflatten); break;
    case "/segue/bar/end": this._onBarEnd(this.assembler.end(args)); break;
    case "/segue/render/begin": this.renders.begin(args[0], args[1], args[2]); break;
    case "/segue/render/notes": this.renders.notes(args, notes.unflatten); break;
    case "/segue/render/end": this._onRenderEnd(this.renders.end(args)); break;
    case "/segue/error": this._onError(args, p); break;
    default:
      if (p) delete this.pending[args[0]];
  }
};

// The Model menu shows the engine's list with this session's choice, once both are known.
Device.prototype._showModels = function () {
  if (this.models && this.env.models) this.env.models(this.models, this.model ? this.model.choice : null);
};
// The Model menu: index into the engine's list. The engine keeps the choice in this device's session
// (restored by its instance id), so it survives a restart of either side.
Device.prototype.chooseModel = function (index) {
  var name = (this.models || [])[index];
  if (name === undefined) return false;
  if (this.state !== "connected") { this._say("not connected to the engine"); return false; }
  if (this.model && name === this.model.choice) return false; // already that one
  this._say("loading model " + name + "...");
  this._send(M.modelChoose(this.nextRid(), name), { what: "choose" });
  return true;
};

Device.prototype._onAck = function (args, p) {
  if (!p) return;
  delete this.pending[args[0]];
  if (p.what === "clip-end" && args[2] === -2) {
    this._send(M.slotEncode(this.nextRid(), p.slot, p.clip), { what: "encode", slot: p.slot });
  }
};

Device.prototype._onError = function (args, p) {
  var text = String(args[2] || "");
  if (p) delete this.pending[args[0]];
  if (/no session/.test(text)) { // the engine restarted and forgot us: say hello again
    if (this.state === "connected") { this.state = "connecting"; this._hello(); }
    return;
  }
  if (p && p.what === "hello" && /instance in use/.test(text)) { this._inUse(); return; }
  if (p && p.what === "render" && p.tries !== undefined) this._say("render failed: " + text);
  else this._say(text);
  this._event("error", text);
};
// The engine refused our hello: a client elsewhere that is still talking holds our id. Never fight
// over it. Another live device in this Max holds it: take a new id at once. Otherwise it may be our
// former self (the set was just reopened): ask again a little later, and after IN_USE_TRIES refusals
// (another Live on this computer has a copy of this set open) take a new id.
Device.prototype._inUse = function () {
  this._event("in-use", this.instance);
  var other = this.env.registry.heldByOther(this.instance, this.nonce);
  if (other || ++this.refusals >= IN_USE_TRIES) {
    this.refusals = 0;
    this._newInstance(!other);
    this.port = this.env.registry.claim(this.instance);
    this._hello();
    return;
  }
  this.nextHello = this.env.now() + IN_USE_RETRY_MS;
  this._say("id in use elsewhere: trying again");
};

// A bar arrived whole: queue it. With a part lost (a datagram): ask for it again, never play holes.
Device.prototype._onBarEnd = function (bar) {
  if (!bar.complete) { this._event("bar-incomplete", bar.bar); this._askAgain(bar.bar); return; }
  delete this.requested[bar.bar];
  this._onBar(bar);
};
Device.prototype._askAgain = function (bar) {
  var t = this.transport;
  if (this.state !== "connected" || (t.playing && bar < schedule.barAt(t.beat, t.num, t.den))) return;
  var r = this.requested[bar] = this.requested[bar] || { tries: 0, at: -Infinity };
  if (r.tries >= BAR_RETRIES) return;
  r.tries++;
  r.at = this.env.now();
  this._send(M.barRequest(this.nextRid(), bar));
  this._event("bar-request", bar);
};

Device.prototype._onBar = function (bar) {
  var now = this.transport.playing ? schedule.barAt(this.transport.beat, this.transport.num, this.transport.den)
                                   : undefined;
  var took = this.queue.offer(bar.bar, bar.version, bar.notes, now);
  var t = this.transport;
  var start = schedule.barStart(bar.bar, t.num, t.den);
  if (took && this.horizon !== null && start < this.horizon && !schedule.loopOf(t)) {
    // It came after the schedule passed its start (late): the next tick schedules it from the playhead.
    this.horizon = Math.max(start, t.beat);
  }
  this._event("bar", { bar: bar.bar, version: bar.version, took: took, notes: bar.notes.length });
};

// --- clips ----------------------------------------------------------------------------------
// Pick the clip for slot A or B: {track, scene} (0-based) or "selected".
Device.prototype.setClip = function (slot, where) {
  this.sources[slot] = where;
  if (this.state === "connected") this.load(slot);
};

Device.prototype.load = function (slot) {
  var where = this.sources[slot];
  if (where === undefined) return false;
  var clip = live.readClip(this.env.api, where);
  if (clip.error) { this._say("clip " + slot + ": " + clip.error); return false; }
  if (this.model && this.model.kind && clip.kind === "drums" && this.model.kind !== "drums") {
    this._say("clip " + slot + ": drum rack; the model plays melodies");
    this._event("wrong-kind", slot);
    return false;
  }
  if (this.model && this.model.kind === "drums" && clip.kind !== "drums") {
    this._say("clip " + slot + ": melodic; the model plays drums");
    this._event("wrong-kind", slot);
    return false;
  }
  this.clips[slot] = clip;
  if (this.state !== "connected") return true; // uploaded on connect
  var name = "clip-" + slot;
  var self = this;
  var batch = M.upload(function () { return self.nextRid(); }, name, clip.notes, clip.length, clip.kind,
                       msgs.CHUNK_BYTES);
  for (var k = 0; k < batch.length; k++) {
    var last = k === batch.length - 1;
    this._send(batch[k], { what: last ? "clip-end" : "clip", slot: slot, clip: name });
  }
  this._say("uploading clip " + slot + " (" + clip.notes.length + " notes)");
  return true;
};

// --- knobs and modes --------------------------------------------------------------------------
Device.prototype.knob = function (name, value) {
  var msg = M.knob(0, name, value); // validates and clamps
  this.knobs[name] = msg[2];
  if (this.state === "connected") this._send(M.knob(this.nextRid(), name, msg[2]), { what: "knob" });
};
// The Root and Scale menus. Root "Song" follows Live's song key: its root and scale while Scale Mode
// is on, no snapping while it is off or the scale is not one the engine knows.
Device.prototype.setScale = function (rootChoice, scaleChoice) {
  this.rootChoice = Number(rootChoice) || 0;
  if (scaleChoice !== undefined) this.scaleChoice = Number(scaleChoice) || 0;
  this._applyScale();
};
Device.prototype._applyScale = function () {
  var root, scale = null;
  if (this.rootChoice === 0) {
    var snap = live.songSnap(this.key);
    root = snap.root; scale = snap.scale;
  } else if (this.rootChoice === 1) {
    root = -1;
  } else {
    root = this.rootChoice - 2;
    scale = msgs.SCALES[this.scaleChoice] || "major";
  }
  if (scale && this.knobs.scale !== scale) this.knob("scale", scale); // the scale first, then its root
  if (this.knobs.scale_root !== root) this.knob("scale_root", root);
};
Device.prototype.setMode = function (mode) {
  this.mode = mode === "write" || mode === 1 ? "write" : "live";
  if (this.mode === "write") this._silence();
  this._sendTransport();
};
Device.prototype.setSteps = function (n) { this.steps = notes.clamp(Math.round(n), 2, 64); };
Device.prototype.setBars = function (n) { this.bars = notes.clamp(Math.round(n), 1, 64); };

// --- transport and live play -----------------------------------------------------------------
Device.prototype._sendTransport = function () {
  if (this.state !== "connected") return;
  var t = this.transport;
  this._send(M.transport(this.nextRid(), t.playing && this.mode === "live", t.tempo || 120, t.beat,
                         t.num || 4, t.den || 4), { what: "transport", at: this.env.now() });
  this.sentBar = schedule.barAt(t.beat, t.num, t.den);
};

// Stop or a jump: forget what the scheduler holds and end every note that may sound.
Device.prototype._silence = function () {
  if (this.env.cancel) this.env.cancel();
  this.player.allOff();
};

// No song position from Max's transport lately: read Live's, within the budget.
Device.prototype._poll = function (now) {
  if (now - this.lastReading < CLOCK_STALE_MS) return undefined;
  if (now - this.lastPoll < (this.song.playing ? POLL_MS : POLL_STOPPED_MS)) return undefined;
  this.lastPoll = now;
  var at = live.songTime(this.env.api);
  return isFinite(at) ? at : undefined;
};
// While stopped: where the playhead rests (Play starts there). Readings that already move at the
// tempo mean Live has started before its is_playing notification came: they are not a rest.
Device.prototype._rest = function (reading, now) {
  var l = this.lastStopped;
  var moving = l && reading > l.beat + 1e-9 &&
               reading - l.beat <= (now - l.at) * (this.song.tempo || 120) / 60000 * 1.5 + 1e-6;
  if (!moving) this.restBeat = reading;
  this.lastStopped = { beat: reading, at: now };
};

// Called often (every few ms; `reading` = the song position in beats from Max's Live-synced
// transport, if the patch has it): estimates where Live's playhead is, hands the notes of the next
// LOOKAHEAD_MS to the scheduler (following Live's loop), tells the engine about the transport and the
// loop, and keeps the connection alive.
Device.prototype.tick = function (reading) {
  var now = this.env.now(), song = this.song;
  var tempo = song.tempo || 120;
  var rate = song.playing ? tempo / 60000 : 0;
  if (rate !== this.clock.rate) this.clock.setRate(rate, now);
  if (reading === undefined || reading === null || !isFinite(reading)) reading = this._poll(now);
  else this.lastReading = now;
  var jumped = false;
  if (reading !== undefined) {
    if (!song.playing) this._rest(reading, now);
    jumped = this.clock.observe(Number(reading), now) && song.playing;
  }
  var beat = this.clock.beat(now);
  var t = { playing: song.playing, tempo: tempo, beat: beat === null ? this.restBeat : beat, num: song.num || 4,
            den: song.den || 4, loop: song.loop, loopStart: song.loopStart || 0, loopLength: song.loopLength || 0 };
  var was = this.transport;
  this.transport = t;
  var bpb = schedule.beatsPerBar(t.num, t.den);
  var changed = t.playing !== was.playing || t.tempo !== was.tempo || t.num !== was.num || t.den !== was.den;
  var loop = t.loop && t.loopLength > 0 ? [t.loopStart, t.loopStart + t.loopLength] : [0, 0];
  if (String(loop) !== this.sentLoop && this.state === "connected") {
    this._send(M.loop(this.nextRid(), loop[0], loop[1]), { what: "loop" });
    this.sentLoop = String(loop);
  }
  if (!t.playing) {
    if (was.playing) this._silence(); // Stop sends note-offs
    this.horizon = null;
    this.graceUntil = null;
    // the resting playhead moved to another bar: the engine gets that bar ready for Play
    if (schedule.barAt(t.beat, t.num, t.den) !== this.sentBar) changed = true;
  } else if (this.mode === "live") {
    var msPerBeat = 60000 / tempo;
    var ahead = this.lookaheadMs / msPerBeat;
    if (!was.playing) { // Play: from where the playhead rested; its first notes go out at once
      // (unless the playhead is far from there: it started elsewhere, say from a clicked position)
      var from = Math.abs(t.beat - this.restBeat) * msPerBeat > 2 * START_GRACE_MS ? t.beat : this.restBeat;
      this.horizon = from;
      this.graceUntil = from + START_GRACE_MS / msPerBeat;
      this.graceEnd = now + 2 * START_GRACE_MS;
    } else if (this.horizon !== null) {
      var lead = schedule.leadTo(t, this.horizon);
      if (jumped || lead < -bpb || lead > ahead + 0.25) { // the playhead jumped (seek, a new loop)
        this._silence();
        this.queue.forgetBefore(schedule.barAt(t.beat, t.num, t.den));
        this.horizon = null;
        this.graceUntil = null;
        jumped = changed = true;
      }
    }
    var plan = schedule.spans(t, this.horizon === null ? t.beat : this.horizon, ahead);
    if (this.graceUntil !== null && now > this.graceEnd) this.graceUntil = null;
    this.player.play(plan.spans, t.num, t.den, now, msPerBeat, this.lookaheadMs,
                     { dropMs: this.lateDropMs, graceUntil: this.graceUntil });
    this.horizon = plan.until;
    var inLoop = schedule.loopOf(t);
    var keep = schedule.barAt(inLoop ? Math.min(inLoop.start, t.beat) : t.beat, t.num, t.den) - 1;
    this.queue.forgetBefore(keep); // bars behind the playhead, except the loop's (they come round again)
    this._missing(t, now, msPerBeat);
  }
  if (changed || (t.playing && schedule.barAt(t.beat, t.num, t.den) !== this.sentBar)) this._sendTransport();
  if (jumped && this.state === "connected") this._send(M.seek(this.nextRid(), t.beat), { what: "seek" });
  if (this.state === "connected") { // bars whose end never came: ask again
    var stale = this.assembler.stale(now, BAR_STALE_MS);
    for (var k = 0; k < stale.length; k++) this._askAgain(stale[k].bar);
  }
  this._keepAlive(now);
};

// The next bar, when it is due soon and not here (all its datagrams lost?): ask again.
Device.prototype._missing = function (t, now, msPerBeat) {
  if (this.state !== "connected") return;
  var bpb = schedule.beatsPerBar(t.num, t.den);
  var next = schedule.barAt(t.beat, t.num, t.den) + 1, start = next * bpb;
  var loop = schedule.loopOf(t);
  if (loop && start >= loop.end - 1e-9) { next = schedule.barAt(loop.start, t.num, t.den); start = loop.end; }
  var r = this.requested[next];
  if ((start - t.beat) * msPerBeat < MISSING_MS && !this.queue.get(next) && now - this.lastHello > 1000 &&
      (!r || now - r.at > 1000)) {
    this._askAgain(next);
  }
};

Device.prototype._keepAlive = function (now) {
  if (this.state === "connected") {
    if (now - this.lastHeard > LOST_MS) {
      this.state = "lost";
      this._silence();
      this._say("engine not answering: reconnecting");
      this._event("lost");
    } else if (now - this.lastPing >= PING_MS) {
      // The keep-alive is the transport again (not /segue/ping, which any sender gets an answer to):
      // it needs our session, so an engine that restarted answers "no session" at once.
      this.lastPing = now;
      this._sendTransport();
    }
  }
  if (this.state === "connecting" || this.state === "lost") {
    if (!this.portOk && this.probeAt !== null && now - this.probeAt > PROBE_MS) {
      if (++this.hops > PORT_HOPS) {
        this.portOk = true; // probes never come back at all (loopback blocked?): stop moving
      } else { // our own probe never came back: another program holds this port; take the next free one
        this._event("port-bad", this.port);
        this.env.registry.markBad(this.port, this.instance);
        this.port = this.env.registry.claim(this.instance);
        this._listen();
      }
    }
    if (now >= this.nextHello) {
      this.state = "connecting";
      this._hello();
    }
  }
};

// --- writing clips ----------------------------------------------------------------------------
Device.prototype.write = function () {
  if (this.state !== "connected") { this._say("not connected to the engine"); return null; }
  if (!this.encoded.A || !this.encoded.B) { this._say("load clips A and B first"); return null; }
  return this._render(this.steps, 0);
};
Device.prototype._render = function (steps, tries) {
  var rid = this._send(M.render(this.nextRid(), steps), { what: "render", steps: steps, tries: tries });
  this._say("rendering " + steps + " steps");
  return rid;
};

Device.prototype._onRenderEnd = function (r) {
  var p = this.pending[r.rid];
  delete this.pending[r.rid];
  if (!p || p.what !== "render") return;
  if (!r.complete) { // a datagram of it was lost: render again rather than write clips with holes
    this._event("render-incomplete", r.rid);
    if (p.tries < RENDER_RETRIES) this._render(p.steps, p.tries + 1);
    else this._say("render incomplete (lost datagrams): try again");
    return;
  }
  var self = this;
  var length = r.bars * schedule.beatsPerBar(this.transport.num, this.transport.den);
  // Live refuses set changes from inside a notification: write from the low-priority queue.
  this.env.defer(function () {
    var track = self.env.track();
    var free = live.emptySlots(self.env.api, track, r.steps, 0);
    for (var k = 0; k < free.length; k++) {
      var name = "Segue A\u2192B " + (k + 1) + "/" + r.steps;
      self.written.push(live.writeClip(self.env.api, track, free[k], length, r.notes[k] || [], name));
    }
    self._say(free.length < r.steps
      ? "wrote " + free.length + " of " + r.steps + " clips: no more empty slots"
      : "wrote " + r.steps + " clips");
    self._event("written", free.length);
  });
};

// Capture: the last `bars` whole bars that played, into a new clip in the first empty slot.
Device.prototype.capture = function () {
  var t = this.transport;
  var bpb = schedule.beatsPerBar(t.num, t.den);
  var endBar = schedule.barAt(this.player.played.length ? this.player.played[this.player.played.length - 1].start
                                                        : t.beat, t.num, t.den) + 1;
  if (t.playing) endBar = schedule.barAt(t.beat, t.num, t.den);
  var startBar = Math.max(0, endBar - this.bars);
  var list = this.player.capture(startBar * bpb, endBar * bpb);
  var self = this;
  this.env.defer(function () {
    var track = self.env.track();
    var free = live.emptySlots(self.env.api, track, 1, 0);
    if (!free.length) { self._say("capture: no empty slot on this track"); return; }
    var name = "Segue capture " + (startBar + 1) + "-" + endBar;
    self.written.push(live.writeClip(self.env.api, track, free[0], (endBar - startBar) * bpb, list, name));
    self._say("captured " + list.length + " notes");
    self._event("captured", list.length);
  });
  return list.length;
};

// --- status -----------------------------------------------------------------------------------
// One line, at most STATUS_CHARS: the connection, then the latest message. The model's licence
// (its short form, "Apache-2.0") is shown when there is room; a long message is cut.
Device.prototype._say = function (text) { this.message = text; this._status(); };
Device.prototype.statusText = function () {
  var heads;
  if (this.state === "connected" && this.model) {
    var tail = " \u00b7 " + String(this.model.device || "cpu").toUpperCase() +
               (this.latency !== null ? " \u00b7 " + Math.round(this.latency) + " ms" : "");
    var licence = shortLicence(this.model.licence);
    heads = ["connected \u00b7 " + this.model.name + (licence ? " (" + licence + ")" : "") + tail,
             "connected \u00b7 " + this.model.name + tail];
  } else if (this.state === "lost" || (this.state === "connecting" && this.everConnected)) {
    heads = ["engine lost: reconnecting"];
  } else if (this.state === "connecting") {
    heads = ["looking for the engine on 127.0.0.1:" + msgs.DEFAULT_PORT + " (start it: segue serve)",
             "looking for the engine on 127.0.0.1:" + msgs.DEFAULT_PORT];
  } else {
    heads = ["off"];
  }
  var sep = " \u2014 ", message = String(this.message || "");
  for (var k = 0; k < heads.length; k++) {
    var line = message ? heads[k] + sep + message : heads[k];
    if (line.length <= STATUS_CHARS) return line;
  }
  var head = heads[heads.length - 1];
  if (!message) return head.slice(0, STATUS_CHARS);
  var room = STATUS_CHARS - head.length - sep.length;
  if (room < 12) return (message.length > STATUS_CHARS ? message.slice(0, STATUS_CHARS - 1) + "\u2026" : message);
  return head + sep + message.slice(0, room - 1) + "\u2026";
};
Device.prototype._status = function () { this.env.status(this.statusText()); };

module.exports = { LOOKAHEAD_MS: LOOKAHEAD_MS, LATE_DROP_MS: LATE_DROP_MS, START_GRACE_MS: START_GRACE_MS,
                   STATUS_CHARS: STATUS_CHARS, Device: Device, Registry: Registry, newInstanceId: newInstanceId,
                   shortLicence: shortLicence };
