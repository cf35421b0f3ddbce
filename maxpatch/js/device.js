// The device's controller: everything the Max patch does besides wiring, as a plain object.
// Its link to the engine (the instance id, reply port, hello, keep-alive, status line) is link.js,
// shared with the MIDI Tools (tool.js).
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
//   registry             shared by every Segue device in this Max (link.js Registry)
//   now()                milliseconds
//   track()              the index of the device's own track (clips are written there)
//   showXY(x, y, from)   (optional) show the XY pad's puck on the control that did not move it
//                        (from: "pad" or "dial")
//   ui(name, attr, value)  (optional) a box of the patch by its scripting name (varname): "active" 0|1
//                        (greyed out), "readonly" 0|1 (the chords field), "annotation" (its Info View
//                        text), "set" (a comment's or the field's text); through [thispatcher]
// tick(beat) runs every few ms with the song position from Max's Live-synced transport ([qmetro] ->
// [when], in beats); without one it reads Live's current_song_time itself, at most every POLL_MS.
"use strict";
var notes = require("./notes");
var msgs = require("./messages");
var schedule = require("./schedule");
var live = require("./live");
var link = require("./link");
var P = require("./protocol");

var M = msgs.messages;
// Notes go to the scheduler this far ahead of their time: more than the JS thread's usual lateness,
// little enough that a knob turn still reaches the next bar.
var LOOKAHEAD_MS = 60;
var LATE_DROP_MS = 10;      // a note that would sound later than this is dropped, not played in a clump
var START_GRACE_MS = 150;   // ...except the first notes after Play, which are played at once
var POLL_MS = 20, POLL_STOPPED_MS = 250, CLOCK_STALE_MS = 50; // reading current_song_time ourselves
var BAR_STALE_MS = 500, BAR_RETRIES = 3, MISSING_MS = 300, RENDER_RETRIES = 2;
var XY_MS = 40;             // the pad's moves reach the engine at most this often (as the panel's pad)
// Groove, Drumify and chords (docs/device.md): the clip they read is uploaded under TOOL_CLIP; a result
// whose end never came is asked for again after RESULT_STALE_MS, at most RESULT_RETRIES times.
var TOOL_CLIP = "tool-clip";
var RESULT_STALE_MS = 2000, RESULT_RETRIES = 2, RESULT_GIVE_UP_MS = 60000;
var CAPTION_CHARS = 62, CAPTION_LINES = 3; // the tools' captions (tests/maxpatch measures every one)
// The attribute knobs' dials: knob -> [the dial's varname, its label]
var DIALS = { note_density: ["density", "Density"], c_diatonic: ["diatonic", "Diatonic"],
              average_interval: ["interval", "Interval"], syncopation_16th: ["sync_16th", "Sync16"],
              syncopation_8th: ["sync_8th", "Sync8"] };
// What Live's Info View says of a control the model may grey out, while it is not greyed out.
var INFO = {
  groove: "Groove: the clip picked beside Clip played with the model's timing and velocities (Amount 0: the " +
          "grid, 1: the model's feel); the result is a new clip in an empty slot of this track",
  drumify: "Drumify: a drum part made of the rhythm of the clip picked beside Clip (every note a tap); the " +
           "result is a new clip in an empty slot of this track",
  chords: "Chords: one chord per bar, looped with the song (C G Am F; C G | Am puts two in the first bar); " +
          "Return sets it, an empty field clears it",
  chords_clip: "From clip: a chord per bar read off the harmony of the clip picked beside Clip",
};
// The panel's words (engine/panel/static/panel.js showTools, chordsCaption, showModel), kept equal
// by tests/maxpatch/test_device.py.
var SAY = { nothing: "morphs and samples", read: "as read", kept: "kept (not heard on this model)",
            none: "no progression",
            groovesNothing: " grooves nothing: Groove and Drumify need a GrooVAE model (segue models pull " +
                            "groovae_2bar_humanize, tap2drum_2bar)" };

function Device(env) {
  link.init(this, env); // the link to the engine (link.js)
  this.sources = {};  // slot -> {track, scene} or "selected"
  this.clips = {};    // slot -> {notes, length, kind, name} last read (re-uploaded after a restart)
  this.encoded = {};  // slot -> {windows, clip_bars}
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
  this.requested = {}; // bar -> {at, tries}: bars asked for again
  this.written = [];  // paths of clips this device wrote
  this.pad = false;   // the XY pad: on, the corners A B (top) C D (bottom) blend instead of the morph knob
  this.xy = { x: 0, y: 0 }; // the pad's puck (0..1; y 0 = the top corners)
  this.xyDirty = false;
  this.lastXY = -Infinity;
  // what the model can do: Groove, Drumify, chords (the tools' part of the panel, docs/device.md)
  this.toolParams = { amount: 1, temperature: 0 }; // as the panel's defaults
  this.unavailable = {};  // action or attribute knob -> the engine's reason (/segue/model/unavailable)
  this.chords = { text: null, error: null }; // the session's progression as the engine read it
  this.regrooving = null; // the Groove or Drumify asked for: {tap, rid, at, begun, tries, name}
  this.results = new schedule.ClipResultAssembler();
  this.shown = {};        // what the patch's boxes show now (env.ui), so only changes are sent
  this.hinted = {};       // knobs whose weak or missing vector the status line said for this model
}
// --- the link's hooks (link.js) ----------------------------------------------------------------
Device.prototype._starting = function () { this._observeSong(); this._showModel(); };
Device.prototype._connected = function () {
  // Bring the engine up to date: it may have restarted (a fresh session) or be a new one.
  this.sentLoop = null; // tell this engine the loop again
  this.sentBar = null;
  this.queue.clear();
  this.requested = {};
  this.regrooving = null; // a Groove asked of an engine that is gone (its clip too): press again
};
Device.prototype._ping = function () { this._sendTransport(); };
Device.prototype._lost = function () { this._silence(); this.regrooving = null; };
Device.prototype._failed = function (p, text) {
  var what = p ? p.then || p.what : null; // an upload for an action fails as the action
  if (what === "unavailable" || what === "chords-get") return; // an engine before these: nothing to say
  if (what === "groove" || what === "drumify") {
    this.regrooving = null;
    text = (what === "groove" ? "Groove: " : "Drumify: ") + text;
  } else if (what === "chords") {
    this.chords.error = text;
    this._showChords();
    text = "chords: " + text;
  } else if (what === "render" && p.tries !== undefined) {
    text = "render failed: " + text;
  }
  this._say(text);
};
// After every /segue/model/info (hello, a model chosen): what it cannot do, with the reasons, and the
// progression as the engine holds it; the weak knobs' marks at once.
Device.prototype._modelInfo = function () {
  this.hinted = {};
  if (this.state === "connected") {
    this._send(M.modelUnavailable(this.nextRid()), { what: "unavailable" });
    this._send(M.chordsGet(this.nextRid()), { what: "chords-get" });
  }
  this._showModel();
};
// What only the streaming device reads (link.js reads the rest): true when it was this device's.
Device.prototype._receive = function (address, args, p) {
  switch (address) {
    case "/segue/transport/set": // also the keep-alive: its round trip is the latency shown
      if (p) {
        delete this.pending[args[0]];
        var latency = this.env.now() - p.at;
        if (latency !== this.latency) { this.latency = latency; this._status(); }
      }
      return true;
    case "/segue/clip/ack": this._onAck(args, p); return true;
    case "/segue/slot/encode":
      if (p) {
        delete this.pending[args[0]];
        this.encoded[args[1]] = { windows: args[2], clipBars: args[3] };
        this._say("clip " + args[1] + " ready (" + args[3] + " bars)");
        this._event("encoded", args[1]);
      }
      return true;
    case "/segue/bar/begin": this.assembler.begin(args, this.env.now()); return true;
    case "/segue/bar/notes": this.assembler.notes(args, notes.unflatten); return true;
    case "/segue/bar/end": this._onBarEnd(this.assembler.end(args)); return true;
    case "/segue/render/begin": this.renders.begin(args[0], args[1], args[2]); return true;
    case "/segue/render/notes": this.renders.notes(args, notes.unflatten); return true;
    case "/segue/render/end": this._onRenderEnd(this.renders.end(args)); return true;
    case "/segue/xy/slots": case "/segue/xy/set": if (p) delete this.pending[args[0]]; return true;
    case "/segue/model/unavailable":
      if (p) {
        delete this.pending[args[0]];
        this.unavailable = {};
        for (var k = 1; k + 1 < args.length; k += 2) this.unavailable[String(args[k])] = String(args[k + 1]);
        this._showModel();
      }
      return true;
    case "/segue/chords/set": case "/segue/chords/from_clip": case "/segue/chords/get":
      if (p) {
        delete this.pending[args[0]];
        this.chords = { text: String(args[1] === undefined ? "" : args[1]), error: null };
        this._showChords(true);
        if (address !== "/segue/chords/get") this._say("chords " + this._chordsCaption());
      }
      return true;
    case "/segue/clip/result/begin":
      if (this.regrooving && args[0] === this.regrooving.rid) {
        this.results.begin(args[0], args[1], args[2], args[3]);
        this.regrooving.begun = this.env.now();
      }
      return true;
    case "/segue/clip/result/notes": this.results.notes(args, notes.unflatten); return true;
    case "/segue/clip/result/end":
      if (p) delete this.pending[args[0]];
      this._onClipResult(this.results.end(args));
      return true;
  }
  return false;
};

Device.prototype._sync = function () {
  var k;
  for (k in this.knobs) this._send(M.knob(this.nextRid(), k, this.knobs[k]), { what: "knob" });
  for (k in this.sources) if (this._uses(k)) this.load(k);
  this._sendPad();
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

Device.prototype._onAck = function (args, p) {
  if (!p) return;
  delete this.pending[args[0]];
  if (p.what !== "clip-end" || args[2] !== -2) return;
  if (p.then === "chords") this._send(M.chordsFromClip(this.nextRid(), p.clip), { what: "chords" });
  else if (p.then) this._regrooveNow(p.then === "drumify");
  else this._send(M.slotEncode(this.nextRid(), p.slot, p.clip), { what: "encode", slot: p.slot });
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
  if (this.state === "connected" && this._uses(slot)) this.load(slot);
};
// C and D are the pad's lower corners: read only while the pad is on. "tool" (the clip Groove,
// Drumify and From clip read) is read only when one of them is pressed.
Device.prototype._uses = function (slot) {
  return slot === "A" || slot === "B" || (this.pad && (slot === "C" || slot === "D"));
};

// --- the XY pad: four corners, as the panel's (docs/panel.md) ------------------------------------
// On: the engine blends the slots A B (top) and C D (bottom) by the puck (/segue/xy/slots A B C D);
// off: four empty names, and the morph knob moves between A and B again.
Device.prototype.setPad = function (on) {
  on = !!Number(on);
  if (on === this.pad) return;
  this.pad = on;
  if (on && this.state === "connected") { this.load("C"); this.load("D"); }
  this._sendPad();
  this._say(on ? "XY pad: A B on top, C D below" : "XY pad off: Morph moves from A to B");
};
Device.prototype._sendPad = function () {
  if (this.state !== "connected") return;
  var c = this.pad ? ["A", "B", "C", "D"] : ["", "", "", ""];
  this._send(M.xySlots(this.nextRid(), c[0], c[1], c[2], c[3]), { what: "xy-slots" });
  this.xyDirty = this.pad;
};
// The puck moved (axis x or y, 0..1), by the pad or by its X/Y dial: the other one follows
// (env.showXY), and the engine hears it at the next tick, at most every XY_MS.
Device.prototype.setXY = function (axis, value, from) {
  value = notes.clamp(Number(value) || 0, 0, 1);
  if (this.xy[axis] === value) return;
  this.xy[axis] = value;
  this.xyDirty = true;
  if (this.env.showXY) this.env.showXY(this.xy.x, this.xy.y, from);
};
Device.prototype._flushXY = function (now) {
  if (!this.xyDirty || !this.pad || this.state !== "connected" || now - this.lastXY < XY_MS) return;
  this.xyDirty = false;
  this.lastXY = now;
  this._send(M.xySet(this.nextRid(), this.xy.x, this.xy.y), { what: "xy" });
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
  // an attribute knob this model moves only loosely, or not at all: said once a model, when turned
  var dial = DIALS[name], why = this.unavailable[name], weak = this.model && (this.model.weak || []).indexOf(name) >= 0;
  if (dial && (why || weak) && !this.hinted[name]) {
    this.hinted[name] = true;
    this._say(why || dial[1] + " \u2248 weak: " + P.WEAK_KNOB);
  }
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
  this._flushXY(now);
  this._checkResult(now);
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

// --- Groove, Drumify and chords: what the model can do (the panel's tools; docs/device.md) ----------
// Shown: the capabilities, each action the model cannot do greyed out with the engine's reason (its
// Info View text and the captions beside it), weak or vector-less attribute dials marked.
function chosen(model) {
  return model.choice && model.choice !== model.name ? model.choice + " (" + model.name + ")" : model.name;
}
Device.prototype._caption = function (prefix, text) {
  var lines = link.wrap(text, CAPTION_CHARS, CAPTION_LINES);
  for (var k = 0; k < lines.length; k++) this._ui(prefix + k, "set", lines[k]);
};
Device.prototype._ui = function (name, attr, value) {
  var key = name + " " + attr;
  if (this.shown[key] === value) return;
  this.shown[key] = value;
  if (this.env.ui) this.env.ui(name, attr, value);
};
Device.prototype._showModel = function () {
  var m = this.model || {}, why = this.unavailable, caps = m.capabilities || [], weak = m.weak || [];
  this._ui("caps", "set", !m.capabilities ? "" // not connected yet, or an engine that does not say
                          : "Model can: " + (caps.length ? caps.join(", ").replace(/_/g, " ") : SAY.nothing));
  for (var k = 0; k < 2; k++) {
    var action = k ? "drumify" : "groove";
    this._ui(action + "_clip", "active", why[action] ? 0 : 1);
    this._ui(action + "_clip", "annotation", why[action] || INFO[action]);
  }
  this._caption("groove_why_", why.groove && why.drumify ? chosen(m) + SAY.groovesNothing
                                                          : why.groove || why.drumify || "");
  this._ui("chords", "readonly", why.chords ? 1 : 0);
  this._ui("chords", "annotation", why.chords || INFO.chords);
  this._ui("chords_clip", "active", why.chords ? 0 : 1);
  this._ui("chords_clip", "annotation", why.chords || INFO.chords_clip);
  for (var name in DIALS) {
    var dial = DIALS[name], isWeak = weak.indexOf(name) >= 0;
    this._ui(dial[0], "active", why[name] ? 0 : 1);
    this._ui(dial[0], "annotation", why[name] || (isWeak ? dial[1] + " \u2248 weak: " + P.WEAK_KNOB
                                                            : dial[1] + ": adds the " + name.replace(/_/g, " ") +
                                                              " attribute vector to the code, times the amount"));
    this._ui("weak_" + name, "set", isWeak && !why[name] ? "\u2248 weak" : "");
  }
  this._showChords();
};
// "as read: C G | Am", the model's reason for not hearing it, or the engine's error.
Device.prototype._chordsCaption = function () {
  var text = this.chords.text;
  if (text === null) return "";
  return text ? (this.unavailable.chords ? SAY.kept : SAY.read) + ": " + text : SAY.none;
};
Device.prototype._showChords = function (field) {
  if (field && this.chords.text !== null) this._ui("chords", "set", this.chords.text);
  var read = this.chords.error || this._chordsCaption(), why = this.unavailable.chords;
  this._caption("chords_why_", why ? (read ? read + " \u2014 " : "") + why : read);
};

// The Amount and Temp numbers beside Groove and Drumify.
Device.prototype.setToolParam = function (name, value) {
  if (!(name in this.toolParams)) throw new Error("no Groove setting " + name);
  var range = P.CLIP_GROOVE[name];
  this.toolParams[name] = notes.clamp(Number(value) || 0, range.lo, range.hi);
};
// Is the action possible now? Otherwise say why (the model's reason first) and false.
Device.prototype._can = function (action) {
  if (this.unavailable[action]) { this._say(this.unavailable[action]); return false; }
  if (this.state !== "connected" || !this.confirmed) { this._say("not connected to the engine"); return false; }
  return true;
};
// Read the clip picked beside Clip and upload it; `then` (groove, drumify, chords) runs when it is in.
Device.prototype._uploadTool = function (then) {
  var where = this.sources.tool === undefined ? "selected" : this.sources.tool;
  var clip = live.readClip(this.env.api, where);
  if (clip.error) { this._say("Clip: " + clip.error); return false; }
  var self = this;
  var batch = M.upload(function () { return self.nextRid(); }, TOOL_CLIP, clip.notes, clip.length, clip.kind,
                       msgs.CHUNK_BYTES);
  for (var k = 0; k < batch.length; k++) {
    this._send(batch[k], k === batch.length - 1 ? { what: "clip-end", clip: TOOL_CLIP, then: then } : { what: "clip" });
  }
  return clip;
};
// Groove (tap: Drumify) the clip picked beside Clip: the result is written as a new clip into an empty
// slot of this track, never over the source.
Device.prototype.regroove = function (tap) {
  var action = tap ? "drumify" : "groove";
  if (!this._can(action)) return false;
  if (this.regrooving) { this._say((tap ? "Drumify" : "Groove") + ": still working on the last one"); return false; }
  var clip = this._uploadTool(action);
  if (!clip) return false;
  this.regrooving = { tap: !!tap, rid: null, at: this.env.now(), begun: null, tries: 0,
                      name: clip.name || "clip" };
  this._say((tap ? "drumifying " : "grooving ") + (clip.name ? "'" + clip.name + "'" : "the clip") + "\u2026");
  return true;
};
Device.prototype._regrooveNow = function (tap) {
  var g = this.regrooving;
  if (!g || g.tap !== tap) return;
  g.at = this.env.now();
  g.begun = null;
  g.rid = this._send(M.clipRegroove(this.nextRid(), TOOL_CLIP, this.toolParams.amount, this.toolParams.temperature,
                                    tap), { what: tap ? "drumify" : "groove" });
};
Device.prototype._onClipResult = function (r) {
  var g = this.regrooving;
  if (!g || r.rid !== g.rid) return;
  if (!r.complete) { this._regrooveAgain("lost datagrams"); return; }
  this.regrooving = null;
  var self = this, what = g.tap ? "drumified" : "grooved";
  // Live refuses set changes from inside a notification: write from the low-priority queue.
  this.env.defer(function () {
    var track = self.env.track();
    var free = live.emptySlots(self.env.api, track, 1, 0);
    if (!free.length) { self._say((g.tap ? "Drumify" : "Groove") + ": no empty slot on this track"); return; }
    var name = "Segue " + what + " " + g.name;
    self.written.push(live.writeClip(self.env.api, track, free[0], r.length, r.notes, name));
    self._say(what + " '" + g.name + "': " + r.notes.length + " notes in scene " + (free[0] + 1));
    self._event(what, { scene: free[0], notes: r.notes.length });
  });
};
Device.prototype._regrooveAgain = function (why) {
  var g = this.regrooving;
  this._event("result-retry", why);
  delete this.results.open[g.rid]; // its begin came, its end never will
  if (g.tries++ >= RESULT_RETRIES || this.state !== "connected") {
    this.regrooving = null;
    this._say((g.tap ? "Drumify" : "Groove") + ": the engine's answer was lost (" + why + "): try again");
    return;
  }
  this._regrooveNow(g.tap);
};
// A result whose end never came (a lost datagram) is asked for again; no answer at all is given up.
Device.prototype._checkResult = function (now) {
  var g = this.regrooving;
  if (!g || g.rid === null) {
    if (g && now - g.at > RESULT_GIVE_UP_MS) { this.regrooving = null; this._say("no answer from the engine: try again"); }
    return;
  }
  if (g.begun !== null && now - g.begun > RESULT_STALE_MS) this._regrooveAgain("its end never came");
  else if (g.begun === null && now - g.at > RESULT_GIVE_UP_MS) this._regrooveAgain("no answer");
};

// The chords field (Return) and From clip.
Device.prototype.setChords = function (text) {
  if (!this._can("chords")) { this._showChords(true); return false; } // the field shows the session's again
  text = String(text === undefined || text === null ? "" : text).trim();
  this._send(M.chordsSet(this.nextRid(), text), { what: "chords" });
  return true;
};
Device.prototype.chordsFromClip = function () {
  if (!this._can("chords")) return false;
  return !!this._uploadTool("chords");
};

link.mixin(Device.prototype); // the link's methods: start, stop, receive, statusText ... (link.js)

module.exports = { LOOKAHEAD_MS: LOOKAHEAD_MS, LATE_DROP_MS: LATE_DROP_MS, START_GRACE_MS: START_GRACE_MS,
                   TOOL_CLIP: TOOL_CLIP, CAPTION_CHARS: CAPTION_CHARS, CAPTION_LINES: CAPTION_LINES, DIALS: DIALS,
                   INFO: INFO, SAY: SAY,
                   STATUS_CHARS: link.STATUS_CHARS, Device: Device, Registry: link.Registry,
                   newInstanceId: link.newInstanceId, shortLicence: link.shortLicence };
