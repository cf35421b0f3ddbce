// A fake of the documented Live API (LiveAPI get/set/call/getcount/property on paths), enough for
// the device, with the constraints that bite a real device modelled:
// - threads: Max runs LiveAPI only on its low-priority (main) thread. Code running on the
//   high-priority (scheduler) thread, fake.onHigh(fn), that touches the Live API throws, as it would
//   unless deferred (Max's [v8] defers every message by default, so the device never should);
// - notifications: Live refuses changes to the set made while it delivers an observer callback.
//   Observer callbacks run inside fake.notify(); any write there throws;
// - ids are strings ("0" = no object); paths under `live_set view` keep the path as given
//   (.path is not canonical there), other paths are canonical; `canonical_parent` and `.type` work;
// - clips have a loop region and start/end markers (`length` is the loop's, or the markers');
// - add_new_notes truncates an earlier note that a later note of the same pitch overlaps;
// - reading a property an object does not have prints an error to the Max Console and answers []
//   (it does not throw);
// - every LiveAPI operation is counted (fake.ops) so a test can hold the device to a budget.
"use strict";

var NOTIFY_ERROR = "Changes cannot be triggered by notifications. You will need to defer your response.";
var HIGH_ERROR = "LiveAPI cannot be used from the high-priority thread: defer the call";
var SONG_WRITABLE = ["tempo", "is_playing", "current_song_time", "loop", "loop_start", "loop_length",
                     "root_note", "scale_name", "scale_mode", "signature_numerator", "signature_denominator"];

function FakeLive(opts) {
  opts = opts || {};
  this.song = { tempo: 120, is_playing: 0, current_song_time: 0, signature_numerator: 4,
                signature_denominator: 4, root_note: 0, scale_name: "Major", scale_mode: 0, loop: 0,
                loop_start: 0, loop_length: 16 };
  this.scenes = opts.scenes || 8;
  this.tracks = [];
  this.inNotification = 0;
  this.thread = "low";
  this.writes = []; // a log of every write: [what, path]
  this.console = []; // what the Live API printed to the Max Console
  this.ops = 0; // LiveAPI operations (new LiveAPI, get, set, call, getcount)
  this.selected = null; // [track, scene] of the detail clip
  this.deviceTrack = opts.deviceTrack || 0;
  this.nextNoteId = 1;
  this.observers = [];
  this._ids = new Map();
  this._nextId = 2;
}

FakeLive.prototype.addTrack = function (name, drums) {
  var slots = [];
  for (var s = 0; s < this.scenes; s++) slots.push(null);
  this.tracks.push({ name: name, devices: drums ? [{ name: "Drum Rack", can_have_drum_pads: 1 }]
                                                : [{ name: "Instrument", can_have_drum_pads: 0 }], slots: slots });
  return this.tracks.length - 1;
};

function liveNote(self, n) {
  return { note_id: self.nextNoteId++, pitch: n.pitch, start_time: n.start, duration: n.duration,
           velocity: n.velocity, mute: n.mute ? 1 : 0, probability: 1, velocity_deviation: 0,
           release_velocity: 64 };
}

// A clip put there by "the user" (not a write through the API). opts: looping (1), loop_start (0),
// loop_end (length), start_marker (loop_start), end_marker (loop_end).
FakeLive.prototype.putClip = function (track, scene, length, notes, name, opts) {
  var self = this;
  opts = opts || {};
  var loopStart = opts.loop_start || 0, loopEnd = opts.loop_end === undefined ? loopStart + length : opts.loop_end;
  this.tracks[track].slots[scene] = {
    name: name || "", is_midi_clip: 1, looping: opts.looping === undefined ? 1 : opts.looping,
    loop_start: loopStart, loop_end: loopEnd,
    start_marker: opts.start_marker === undefined ? loopStart : opts.start_marker,
    end_marker: opts.end_marker === undefined ? loopEnd : opts.end_marker,
    notes: notes.map(function (n) { return liveNote(self, n); }),
  };
};

FakeLive.prototype.notify = function (fn) {
  this.inNotification++;
  try { return fn(); } finally { this.inNotification--; }
};
// Run fn as code on Max's high-priority thread ([metro], [udpreceive @defer 0], [pipe]) would run.
FakeLive.prototype.onHigh = function (fn) {
  var was = this.thread;
  this.thread = "high";
  try { return fn(); } finally { this.thread = was; }
};

FakeLive.prototype._enter = function () {
  if (this.thread === "high") { this.console.push("error: " + HIGH_ERROR); throw new Error(HIGH_ERROR); }
  this.ops++;
};
FakeLive.prototype._write = function (what, path) {
  if (this.inNotification) throw new Error(NOTIFY_ERROR);
  this.writes.push([what, path]);
};

// Change song properties as the user (or Live) would, and tell their observers (in a notification).
FakeLive.prototype.songChange = function (props) {
  var self = this;
  Object.keys(props).forEach(function (k) { self.song[k] = props[k]; });
  Object.keys(props).forEach(function (k) { self._tell(self.song, k); });
};
FakeLive.prototype._tell = function (obj, prop) {
  var self = this;
  this.observers.forEach(function (o) {
    if (o.obj === obj && o.prop === prop) self.notify(function () { o.callback.call(o.api, [prop].concat(o.value())); });
  });
};

function words(path) { return String(path).replace(/"/g, "").trim().split(/\s+/); }

// The canonical path of a path (array of words), or null when it leads nowhere.
FakeLive.prototype._canonical = function (w) {
  var out, k;
  if (w[0] === "this_device") { out = ["live_set", "tracks", String(this.deviceTrack), "devices", "0"]; k = 1; }
  else if (w[0] === "live_set" && w[1] === "view" && w[2] === "detail_clip") {
    if (!this.selected) return null;
    out = ["live_set", "tracks", String(this.selected[0]), "clip_slots", String(this.selected[1]), "clip"]; k = 3;
  } else if (w[0] === "live_set") { out = ["live_set"]; k = 1; }
  else return null;
  for (; k < w.length; k++) {
    if (w[k] === "canonical_parent") {
      var last = out[out.length - 1];
      if (out.length === 1) return null;
      out = last === "clip" ? out.slice(0, -1) : out.slice(0, -2);
    } else if (w[k] === "clip") out.push("clip");
    else if (["tracks", "clip_slots", "devices", "scenes"].indexOf(w[k]) >= 0) { out.push(w[k], w[k + 1]); k++; }
    else return null;
  }
  return out;
};

FakeLive.prototype.api = function (path, callback) {
  this._enter();
  var live = this;
  var given = words(path);
  var w = this._canonical(given);
  var target = w && live._resolve(w);
  var api = {
    id: target ? live._id(target.obj, target.scene) : "0",
    path: '"' + (given[1] === "view" || !w ? given : w).join(" ") + '"',
    unquotedpath: (given[1] === "view" || !w ? given : w).join(" "),
    type: target ? target.type : "",
    get: function (prop) { live._enter(); return live._get(w || given, target, prop); },
    set: function (prop, value) { live._enter(); return live._set(w || given, target, prop, value); },
    call: function () { live._enter(); return live._call(w || given, target, Array.prototype.slice.call(arguments)); },
    getcount: function (child) { live._enter(); return live._count(w || given, target, child); },
  };
  var observed = "";
  Object.defineProperty(api, "property", {
    get: function () { return observed; },
    set: function (prop) { // observe: Max reports the current value at once, then every change
      observed = prop;
      if (!target || typeof callback !== "function") return;
      var o = { obj: target.obj, prop: prop, callback: callback, api: api,
                value: function () { var v = live._get(w, target, prop); return Array.isArray(v) ? v : [v]; } };
      live.observers.push(o);
      live.notify(function () { callback.call(api, [prop].concat(o.value())); });
    },
  });
  return api;
};

FakeLive.prototype._id = function (obj, scene) {
  if (Array.isArray(obj)) { // a clip slot (its track's array of slots): one id per scene
    if (!obj.__ids) obj.__ids = {};
    if (!obj.__ids[scene]) obj.__ids[scene] = String(this._nextId++);
    return obj.__ids[scene];
  }
  if (!this._ids.has(obj)) this._ids.set(obj, String(this._nextId++));
  return this._ids.get(obj);
};

// -> {kind, type, obj, track, scene} or null
FakeLive.prototype._resolve = function (w) {
  if (w[0] !== "live_set") return null;
  if (w.length === 1) return { kind: "song", type: "Song", obj: this.song };
  if (w[1] !== "tracks") return null;
  var t = this.tracks[Number(w[2])];
  if (!t) return null;
  if (w.length === 3) return { kind: "track", type: "Track", obj: t, track: Number(w[2]) };
  if (w[3] === "devices") {
    var d = t.devices[Number(w[4])];
    return d && w.length === 5 ? { kind: "device", type: "Device", obj: d } : null;
  }
  if (w[3] !== "clip_slots") return null;
  var scene = Number(w[4]);
  if (!(scene >= 0 && scene < this.scenes)) return null;
  if (w.length === 5) return { kind: "slot", type: "ClipSlot", obj: t.slots, track: Number(w[2]), scene: scene };
  if (w[5] === "clip" && w.length === 6) {
    var c = t.slots[scene];
    return c ? { kind: "clip", type: "Clip", obj: c, track: Number(w[2]), scene: scene } : null;
  }
  return null;
};

FakeLive.prototype._unknown = function (what) {
  this.console.push("error: " + what); // Live prints it; the caller gets an empty answer
  return [];
};

FakeLive.prototype._get = function (w, target, prop) {
  if (!target) return this._unknown("get " + prop + ": no object at " + w.join(" "));
  if (target.kind === "slot") {
    if (prop === "has_clip") return [target.obj[target.scene] ? 1 : 0];
    return this._unknown("get: ClipSlot has no property " + prop);
  }
  if (target.kind === "clip") {
    var c = target.obj;
    if (prop === "length") return [c.looping ? c.loop_end - c.loop_start : c.end_marker - c.start_marker];
    if (prop === "is_audio_clip") return [0];
  }
  if (target.kind === "track" && prop === "name") return [target.obj.name];
  var v = target.obj[prop];
  if (v === undefined || prop === "notes" || prop === "slots" || prop === "devices") {
    return this._unknown("get: " + target.type + " has no property " + prop);
  }
  return [v]; // LiveAPI.get returns an array
};

FakeLive.prototype._set = function (w, target, prop, value) {
  this._write("set " + prop, w.join(" "));
  if (!target) return this._unknown("set " + prop + ": no object at " + w.join(" "));
  if (target.kind === "song" && SONG_WRITABLE.indexOf(prop) < 0) {
    return this._unknown("set: Song property " + prop + " is read-only");
  }
  target.obj[prop] = value;
  this._tell(target.obj, prop);
};

FakeLive.prototype._count = function (w, target, child) {
  if (!target) { this._unknown("getcount " + child + ": no object at " + w.join(" ")); return 0; }
  if (target.kind === "song" && child === "tracks") return this.tracks.length;
  if (target.kind === "song" && child === "scenes") return this.scenes;
  if (target.kind === "track" && child === "devices") return target.obj.devices.length;
  if (target.kind === "track" && child === "clip_slots") return this.scenes;
  this._unknown("getcount: " + target.type + " has no children " + child);
  return 0;
};

// Live keeps no two notes of one pitch overlapping: a later note cuts the earlier one short (and
// replaces one that starts at the same time).
function truncateOverlaps(list) {
  var byPitch = {};
  list.forEach(function (n) { (byPitch[n.pitch] = byPitch[n.pitch] || []).push(n); });
  var keep = [];
  Object.keys(byPitch).forEach(function (p) {
    var same = byPitch[p].sort(function (a, b) { return a.start_time - b.start_time || a.note_id - b.note_id; });
    for (var k = 0; k < same.length; k++) {
      var next = same[k + 1];
      if (next && Math.abs(next.start_time - same[k].start_time) < 1e-9) continue; // replaced
      if (next && same[k].start_time + same[k].duration > next.start_time) {
        same[k].duration = next.start_time - same[k].start_time;
      }
      keep.push(same[k]);
    }
  });
  return keep.sort(function (a, b) { return a.note_id - b.note_id; });
}

FakeLive.prototype._call = function (w, target, args) {
  var fn = args[0];
  if (!target) return this._unknown("call " + fn + ": no object at " + w.join(" "));
  if (target.kind === "slot" && fn === "create_clip") {
    this._write("create_clip", w.join(" "));
    if (target.obj[target.scene]) throw new Error("Clip slot already has a clip");
    var length = Number(args[1]);
    if (!(length > 0)) throw new Error("create_clip: invalid length " + args[1]);
    target.obj[target.scene] = { name: "", is_midi_clip: 1, looping: 1, loop_start: 0, loop_end: length,
                                 start_marker: 0, end_marker: length, notes: [] };
    return;
  }
  if (target.kind === "slot" && fn === "delete_clip") {
    this._write("delete_clip", w.join(" "));
    target.obj[target.scene] = null;
    return;
  }
  if (target.kind === "clip" && fn === "get_notes_extended") {
    if (args.length !== 5) throw new Error("get_notes_extended takes from_pitch, pitch_span, from_time, time_span");
    var p0 = args[1], ps = args[2], t0 = args[3], ts = args[4];
    var out = target.obj.notes.filter(function (n) {
      return n.pitch >= p0 && n.pitch < p0 + ps && n.start_time >= t0 && n.start_time < t0 + ts;
    });
    return JSON.stringify({ notes: out });
  }
  if (target.kind === "clip" && fn === "add_new_notes") {
    this._write("add_new_notes", w.join(" "));
    var dict = args[1];
    if (!dict || !Array.isArray(dict.notes)) throw new Error("add_new_notes takes a dict {notes: [...]}");
    var ids = [];
    for (var k = 0; k < dict.notes.length; k++) {
      var n = dict.notes[k];
      ["pitch", "start_time", "duration", "velocity"].forEach(function (key) {
        if (typeof n[key] !== "number" || !isFinite(n[key])) throw new Error("note needs a numeric " + key);
      });
      if (n.pitch < 0 || n.pitch > 127 || n.duration <= 0) throw new Error("bad note " + JSON.stringify(n));
      var note = liveNote(this, { pitch: n.pitch, start: n.start_time, duration: n.duration, velocity: n.velocity,
                                  mute: n.mute });
      target.obj.notes.push(note);
      ids.push(note.note_id);
    }
    target.obj.notes = truncateOverlaps(target.obj.notes);
    return ids;
  }
  return this._unknown("call: " + target.type + " has no function " + fn);
};

module.exports = { FakeLive: FakeLive, NOTIFY_ERROR: NOTIFY_ERROR, HIGH_ERROR: HIGH_ERROR };
