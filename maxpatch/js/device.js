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
// tick(beat) runs every few ms with the song position from Max's Live-synced transport ([qmetro] ->
// [when], in beats); without one it reads Live's current_song_time itself, at most every POLL_MS.
"use strict";
var notes = require("./notes");
var msgs = require("./messages");
var schedule = require("./schedule");
var live = require("./live");
var link = require("./link");

var M = msgs.messages;
// Notes go to the scheduler this far ahead of their time: more than the JS thread's usual lateness,
// little enough that a knob turn still reaches the next bar.
var LOOKAHEAD_MS = 60;
var LATE_DROP_MS = 10;      // a note that would sound later than this is dropped, not played in a clump
var START_GRACE_MS = 150;   // ...except the first notes after Play, which are played at once
var POLL_MS = 20, POLL_STOPPED_MS = 250, CLOCK_STALE_MS = 50; // reading current_song_time ourselves
var BAR_STALE_MS = 500, BAR_RETRIES = 3, MISSING_MS = 300, RENDER_RETRIES = 2;
var XY_MS = 40;             // the pad's moves reach the engine at most this often (as the panel's pad)

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
}
// --- the link's hooks (link.js) ----------------------------------------------------------------
Device.prototype._starting = function () { this._observeSong(); };
Device.prototype._connected = function () {
  // Bring the engine up to date: it may have restarted (a fresh session) or be a new one.
  this.sentLoop = null; // tell this engine the loop again
  this.sentBar = null;
  this.queue.clear();
  this.requested = {};
};
Device.prototype._ping = function () { this._sendTransport(); };
Device.prototype._lost = function () { this._silence(); };
Device.prototype._failed = function (p, text) {
  this._say(p && p.what === "render" && p.tries !== undefined ? "render failed: " + text : text);
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
  if (p.what === "clip-end" && args[2] === -2) {
    this._send(M.slotEncode(this.nextRid(), p.slot, p.clip), { what: "encode", slot: p.slot });
  }
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
// C and D are the pad's lower corners: read only while the pad is on.
Device.prototype._uses = function (slot) { return this.pad || (slot !== "C" && slot !== "D"); };

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

link.mixin(Device.prototype); // the link's methods: start, stop, receive, statusText ... (link.js)

module.exports = { LOOKAHEAD_MS: LOOKAHEAD_MS, LATE_DROP_MS: LATE_DROP_MS, START_GRACE_MS: START_GRACE_MS,
                   STATUS_CHARS: link.STATUS_CHARS, Device: Device, Registry: link.Registry,
                   newInstanceId: link.newInstanceId, shortLicence: link.shortLicence };
