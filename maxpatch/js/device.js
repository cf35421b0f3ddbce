// The device's controller: everything the Max patch does besides wiring, as a plain object.
// env (injected; Max bindings in segue.js, fakes in the tests):
//   send(msg)            an OSC message [address, args...] to [udpsend 127.0.0.1 9797]
//   listen(port)         point [udpreceive] at this reply port
//   output(pitch, vel, delayMs)  a note to the device's MIDI output, delayMs from now (vel 0 = note-off)
//   cancel()             forget every note handed to output() that has not fired yet
//   models(names, current)  show the engine's models in the Model menu, `current` chosen (optional)
//   status(text)         the status line
//   api(path)            a LiveAPI-like object for a path
//   defer(fn)            run fn later, outside any Live notification (deferlow / a Task)
//   store                {get(key), set(key, value)}: saved with the Live set (a pattr)
//   ports                a registry shared by every Segue device in this Max (see PortRegistry)
//   now()                milliseconds
//   track()              the index of the device's own track (clips are written there)
"use strict";
var notes = require("./notes");
var msgs = require("./messages");
var schedule = require("./schedule");
var live = require("./live");

var M = msgs.messages;
var PING_MS = 1000, LOST_MS = 3500, HELLO_RETRY_MS = 1000, PORT_TRIES = 8;
// Notes go to the scheduler this far ahead of their time: more than the JS thread's usual lateness,
// little enough that a knob turn still reaches the next bar.
var LOOKAHEAD_MS = 60;
var FIRST_PORT = 9800, LAST_PORT = 9899;

// Reply ports handed out to the devices of one Max instance (Max's `new Global("segue")` is shared
// by every [v8] in Live, so two devices never take the same port). A port found dead (no reply)
// is skipped by the next claim.
function PortRegistry(first, last) {
  this.first = first || FIRST_PORT;
  this.last = last || LAST_PORT;
  this.owners = {}; // port -> instance
  this.bad = {};
}
PortRegistry.prototype.claim = function (instance, avoid) {
  if (avoid !== undefined) { this.bad[avoid] = true; this.release(avoid, instance); }
  for (var p = this.first; p <= this.last; p++) {
    if (this.owners[p] === instance && !this.bad[p]) return p;
  }
  for (p = this.first; p <= this.last; p++) {
    if (this.owners[p] === undefined && !this.bad[p]) { this.owners[p] = instance; return p; }
  }
  throw new Error("no free reply port in " + this.first + "-" + this.last);
};
PortRegistry.prototype.release = function (port, instance) {
  if (this.owners[port] === instance) delete this.owners[port];
};

function newInstanceId(random) {
  var s = "segue-";
  for (var k = 0; k < 12; k++) s += "0123456789abcdef"[Math.floor(random() * 16)];
  return s;
}

function Device(env) {
  this.env = env;
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
  this.mode = "live";
  this.steps = 8;
  this.bars = 4;
  this.renders = {};  // rid -> {steps, bars, notes: {step: []}}
  this.assembler = new schedule.BarAssembler();
  this.queue = new schedule.BarQueue();
  var self = this;
  this.player = new schedule.Player(this.queue, function (p, v, d) { env.output(p, v, d); });
  this.transport = { playing: false, tempo: 120, beat: 0, num: 4, den: 4 };
  this.horizon = null; // song beat up to which notes have been handed to the scheduler
  this.lookaheadMs = env.lookaheadMs === undefined ? LOOKAHEAD_MS : env.lookaheadMs;
  this.sentLoop = null; // the loop last told to the engine, "start,end"
  this.sentBar = null;
  this.lastPing = 0;
  this.lastHeard = 0;
  this.lastHello = 0;
  this.helloTries = 0;
  this.written = [];  // paths of clips this device wrote
  this.onEvent = null; // optional hook for tests: (name, detail)
  void self;
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
Device.prototype.start = function () {
  var store = this.env.store;
  this.instance = store.get("instance");
  if (!this.instance) {
    this.instance = newInstanceId(this.env.random || Math.random);
    store.set("instance", this.instance);
  }
  this.port = this.env.ports.claim(this.instance);
  this.env.listen(this.port);
  this.state = "connecting";
  this._hello();
  this._status();
};
Device.prototype._hello = function () {
  this.lastHello = this.env.now();
  this.helloTries++;
  if (this.state !== "connected") this.pending = {}; // nothing else is coming back from a lost engine
  this._send(M.hello(this.nextRid(), this.instance, this.port, msgs.CHUNK_BYTES), { what: "hello" });
};
Device.prototype.stop = function () {
  this._silence();
  if (this.state === "connected") this._send(M.goodbye(this.nextRid()));
  this.env.ports.release(this.port, this.instance);
  this.state = "off";
};

Device.prototype._onHello = function (args) {
  var reconnect = this.everConnected;
  this.state = "connected";
  this.everConnected = true;
  this.helloTries = 0;
  this.lastHeard = this.env.now();
  this.model = { name: args[4], device: args[5], licence: args[6], version: args[3], kind: null };
  this.resumed = args[2] === 1;
  this.sentLoop = null; // tell this engine the loop again
  this._send(M.modelInfo(this.nextRid()), { what: "info", sync: true });
  this._send(M.modelList(this.nextRid()), { what: "models" });
  // Bring the engine up to date: it may have restarted (a fresh session) or be a new one.
  this.sentBar = null;
  this.queue.clear();
  this._event(reconnect ? "reconnected" : "connected", args);
};
Device.prototype._sync = function () {
  var k;
  for (k in this.knobs) this._send(M.knob(this.nextRid(), k, this.knobs[k]), { what: "knob" });
  for (k in this.sources) this.load(k);
  this._sendTransport();
};

// --- receiving ------------------------------------------------------------------------------
Device.prototype.receive = function (address, args) {
  this.lastHeard = this.env.now();
  var p = this.pending[args[0]];
  switch (address) {
    case "/segue/hello": if (p) { delete this.pending[args[0]]; this._onHello(args); } break;
    case "/segue/pong":
      if (p) { delete this.pending[args[0]]; this.latency = this.env.now() - p.at; this._status(); }
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
    case "/segue/bar/begin": this.assembler.begin(args); break;
    case "/segue/bar/notes": this.assembler.notes(args, notes.unflatten); break;
    case "/segue/bar/end": this._onBar(this.assembler.end(args)); break;
    case "/segue/render/begin": this.renders[args[0]] = { steps: args[1], bars: args[2], notes: {} }; break;
    case "/segue/render/notes": {
      var r = this.renders[args[0]];
      if (r) r.notes[args[1]] = (r.notes[args[1]] || []).concat(notes.unflatten(args.slice(3)));
      break;
    }
    case "/segue/render/end": this._onRenderEnd(args[0]); break;
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
  this._say(text);
  this._event("error", text);
};

Device.prototype._onBar = function (bar) {
  if (!bar) return;
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
    this._say("clip " + slot + " is on a drum rack, but the model " + this.model.name +
              " plays melodies: pick a melodic clip or load a drums model");
    this._event("wrong-kind", slot);
    return false;
  }
  if (this.model && this.model.kind === "drums" && clip.kind !== "drums") {
    this._say("clip " + slot + " is melodic, but the model " + this.model.name + " plays drums");
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
// Scale snap defaults to Live's song root and scale (Live 12) until the user turns the knobs.
Device.prototype.useSongScale = function () {
  var s = live.songScale(this.env.api);
  if (!s) return false;
  if (this.knobs.scale_root === undefined) this.knob("scale_root", s.root);
  if (this.knobs.scale === undefined) this.knob("scale", s.scale);
  return true;
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
                         t.num || 4, t.den || 4), { what: "transport" });
  this.sentBar = schedule.barAt(t.beat, t.num, t.den);
};

// Stop or a jump: forget what the scheduler holds and end every note that may sound.
Device.prototype._silence = function () {
  if (this.env.cancel) this.env.cancel();
  this.player.allOff();
};

// Called often (every few ms): reads Live's transport, hands the notes of the next LOOKAHEAD_MS to
// the scheduler (following Live's loop), tells the engine about the transport and the loop, and
// keeps the connection alive.
Device.prototype.tick = function () {
  var now = this.env.now();
  var t = live.transport(this.env.api);
  var was = this.transport;
  this.transport = t;
  var bpb = schedule.beatsPerBar(t.num, t.den);
  var changed = t.playing !== was.playing || t.tempo !== was.tempo || t.num !== was.num || t.den !== was.den;
  var jumped = false;
  var loop = t.loop && t.loopLength > 0 ? [t.loopStart, t.loopStart + t.loopLength] : [0, 0];
  if (String(loop) !== this.sentLoop && this.state === "connected") {
    this._send(M.loop(this.nextRid(), loop[0], loop[1]), { what: "loop" });
    this.sentLoop = String(loop);
  }
  if (!t.playing) {
    if (was.playing) this._silence(); // Stop sends note-offs
    this.horizon = null;
  } else if (this.mode === "live") {
    var msPerBeat = 60000 / (t.tempo || 120);
    var ahead = this.lookaheadMs / msPerBeat;
    if (this.horizon !== null) {
      var lead = schedule.leadTo(t, this.horizon);
      if (lead < -bpb || lead > ahead + 0.25) { // the playhead jumped (seek, clip launch, a new loop)
        this._silence();
        this.queue.forgetBefore(schedule.barAt(t.beat, t.num, t.den));
        this.horizon = null;
        jumped = changed = true;
      }
    }
    var plan = schedule.spans(t, this.horizon === null ? t.beat : this.horizon, ahead);
    this.player.play(plan.spans, t.num, t.den, now, msPerBeat, this.lookaheadMs);
    this.horizon = plan.until;
    var inLoop = schedule.loopOf(t);
    var keep = schedule.barAt(inLoop ? Math.min(inLoop.start, t.beat) : t.beat, t.num, t.den) - 1;
    this.queue.forgetBefore(keep); // bars behind the playhead, except the loop's (they come round again)
  }
  if (changed || (t.playing && schedule.barAt(t.beat, t.num, t.den) !== this.sentBar)) this._sendTransport();
  if (jumped && this.state === "connected") this._send(M.seek(this.nextRid(), t.beat), { what: "seek" });
  // keep-alive, loss and reconnection
  if (this.state === "connected") {
    if (now - this.lastHeard > LOST_MS) {
      this.state = "lost";
      this._silence();
      this._say("engine not answering: reconnecting");
      this._event("lost");
    } else if (now - this.lastPing >= PING_MS) {
      this.lastPing = now;
      this._send(M.ping(this.nextRid()), { what: "ping", at: now });
    }
  }
  if ((this.state === "connecting" || this.state === "lost") && now - this.lastHello >= HELLO_RETRY_MS) {
    if (!this.everConnected && this.helloTries >= 2 && this.helloTries < PORT_TRIES) {
      // never answered: perhaps another program holds our reply port; try the next free one
      this.port = this.env.ports.claim(this.instance, this.port);
      this.env.listen(this.port);
    }
    this.state = "connecting";
    this._hello();
  }
};

// --- writing clips ----------------------------------------------------------------------------
Device.prototype.write = function () {
  if (this.state !== "connected") { this._say("not connected to the engine"); return null; }
  if (!this.encoded.A || !this.encoded.B) { this._say("load clips A and B first"); return null; }
  var rid = this._send(M.render(this.nextRid(), this.steps), { what: "render" });
  this._say("rendering " + this.steps + " steps");
  return rid;
};

Device.prototype._onRenderEnd = function (rid) {
  var r = this.renders[rid];
  delete this.renders[rid];
  delete this.pending[rid];
  if (!r) return;
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
      ? "wrote " + free.length + " of " + r.steps + " clips: no more empty slots on this track"
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
Device.prototype._say = function (text) { this.message = text; this._status(); };
Device.prototype.statusText = function () {
  var head;
  if (this.state === "connected" && this.model) {
    head = "connected \u00b7 " + this.model.name + (this.model.licence ? " (" + this.model.licence + ")" : "") +
           " \u00b7 " + String(this.model.device || "cpu").toUpperCase() +
           (this.latency !== null ? " \u00b7 " + Math.round(this.latency) + " ms" : "");
  } else if (this.state === "lost" || (this.state === "connecting" && this.everConnected)) {
    head = "engine lost: reconnecting";
  } else if (this.state === "connecting") {
    head = "looking for the engine on 127.0.0.1:" + msgs.DEFAULT_PORT + " (start it: segue serve)";
  } else {
    head = "off";
  }
  return this.message ? head + " \u2014 " + this.message : head;
};
Device.prototype._status = function () { this.env.status(this.statusText()); };

module.exports = { LOOKAHEAD_MS: LOOKAHEAD_MS, Device: Device, PortRegistry: PortRegistry, newInstanceId: newInstanceId };
