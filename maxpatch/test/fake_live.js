// A small fake of the documented Live API (LiveAPI get/set/call/getcount on paths), enough for the
// device: the song's transport and scale, tracks with devices and clip slots, MIDI clips with
// get_notes_extended (a JSON string, as Live returns it), create_clip and add_new_notes.
// Like Live, it refuses changes to the set made inside a notification: run code "as a
// notification" with fake.notify(fn); any write inside it throws.
"use strict";

var NOTIFY_ERROR = "Changes cannot be triggered by notifications. You will need to defer your response.";

function FakeLive(opts) {
  opts = opts || {};
  this.song = { tempo: 120, is_playing: 0, current_song_time: 0, signature_numerator: 4,
                signature_denominator: 4, root_note: 0, scale_name: "Major", loop: 0, loop_start: 0,
                loop_length: 16 };
  this.scenes = opts.scenes || 8;
  this.tracks = [];
  this.inNotification = 0;
  this.writes = []; // a log of every write: [what, path]
  this.selected = null; // [track, scene] of the detail clip
  this.deviceTrack = opts.deviceTrack || 0;
  this.nextNoteId = 1;
}

FakeLive.prototype.addTrack = function (name, drums) {
  var slots = [];
  for (var s = 0; s < this.scenes; s++) slots.push(null);
  this.tracks.push({ name: name, devices: drums ? [{ name: "Drum Rack", can_have_drum_pads: 1 }]
                                                : [{ name: "Instrument", can_have_drum_pads: 0 }], slots: slots });
  return this.tracks.length - 1;
};

// A clip put there by "the user" (not a write through the API).
FakeLive.prototype.putClip = function (track, scene, length, notes, name) {
  var self = this;
  this.tracks[track].slots[scene] = {
    name: name || "", length: length, is_midi_clip: 1,
    notes: notes.map(function (n) {
      return { note_id: self.nextNoteId++, pitch: n.pitch, start_time: n.start, duration: n.duration,
               velocity: n.velocity, mute: n.mute ? 1 : 0, probability: 1, velocity_deviation: 0,
               release_velocity: 64 };
    }),
  };
};

FakeLive.prototype.notify = function (fn) {
  this.inNotification++;
  try { return fn(); } finally { this.inNotification--; }
};

FakeLive.prototype._write = function (what, path) {
  if (this.inNotification) throw new Error(NOTIFY_ERROR);
  this.writes.push([what, path]);
};

function parse(path) {
  var words = String(path).replace(/"/g, "").trim().split(/\s+/);
  return words;
}

FakeLive.prototype.api = function (path) {
  var live = this;
  var w = parse(path);
  if (w.join(" ") === "live_set view detail_clip") {
    if (!live.selected) return { id: 0, path: "", get: function () { return []; } };
    w = parse("live_set tracks " + live.selected[0] + " clip_slots " + live.selected[1] + " clip");
  }
  if (w[0] === "this_device") w = parse("live_set tracks " + live.deviceTrack + " devices 0");
  var canonical = w.join(" ");
  var target = live._resolve(w);
  return {
    id: target ? 1 : 0,
    path: '"' + canonical + '"',
    unquotedpath: canonical,
    get: function (prop) { return live._get(w, target, prop); },
    set: function (prop, value) { return live._set(w, target, prop, value); },
    call: function () { return live._call(w, target, Array.prototype.slice.call(arguments)); },
    getcount: function (child) { return live._count(w, target, child); },
  };
};

// -> {kind, obj, track, scene} or null
FakeLive.prototype._resolve = function (w) {
  if (w[0] !== "live_set") return null;
  if (w.length === 1) return { kind: "song", obj: this.song };
  if (w[1] !== "tracks") return null;
  var t = this.tracks[Number(w[2])];
  if (!t) return null;
  if (w.length === 3) return { kind: "track", obj: t, track: Number(w[2]) };
  if (w[3] === "devices") {
    var d = t.devices[Number(w[4])];
    return d ? { kind: "device", obj: d } : null;
  }
  if (w[3] !== "clip_slots") return null;
  var scene = Number(w[4]);
  if (!(scene >= 0 && scene < this.scenes)) return null;
  if (w.length === 5) return { kind: "slot", obj: t.slots, track: Number(w[2]), scene: scene };
  if (w[5] === "clip") {
    var c = t.slots[scene];
    return c ? { kind: "clip", obj: c, track: Number(w[2]), scene: scene } : null;
  }
  return null;
};

FakeLive.prototype._get = function (w, target, prop) {
  if (!target) throw new Error("no object at " + w.join(" "));
  if (target.kind === "slot") {
    if (prop === "has_clip") return [target.obj[target.scene] ? 1 : 0];
    throw new Error("clip_slot has no property " + prop);
  }
  if (target.kind === "clip" && prop === "is_midi_clip") return [1];
  var v = target.obj[prop];
  if (v === undefined) throw new Error(target.kind + " has no property " + prop);
  return [v]; // LiveAPI.get returns an array
};

FakeLive.prototype._set = function (w, target, prop, value) {
  this._write("set " + prop, w.join(" "));
  if (!target) throw new Error("no object at " + w.join(" "));
  if (target.kind === "song" && ["tempo", "is_playing", "current_song_time", "loop", "loop_start", "loop_length"].indexOf(prop) < 0) {
    throw new Error("song property " + prop + " is read-only here");
  }
  target.obj[prop] = value;
};

FakeLive.prototype._count = function (w, target, child) {
  if (!target) throw new Error("no object at " + w.join(" "));
  if (target.kind === "song" && child === "tracks") return this.tracks.length;
  if (target.kind === "song" && child === "scenes") return this.scenes;
  if (target.kind === "track" && child === "devices") return target.obj.devices.length;
  if (target.kind === "track" && child === "clip_slots") return this.scenes;
  throw new Error(target.kind + " has no children " + child);
};

FakeLive.prototype._call = function (w, target, args) {
  var fn = args[0];
  if (!target) throw new Error("no object at " + w.join(" "));
  if (target.kind === "slot" && fn === "create_clip") {
    this._write("create_clip", w.join(" "));
    if (target.obj[target.scene]) throw new Error("Clip slot already has a clip");
    var length = Number(args[1]);
    if (!(length > 0)) throw new Error("create_clip: invalid length " + args[1]);
    target.obj[target.scene] = { name: "", length: length, is_midi_clip: 1, notes: [] };
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
      var id = this.nextNoteId++;
      target.obj.notes.push({ note_id: id, pitch: n.pitch, start_time: n.start_time, duration: n.duration,
                              velocity: n.velocity, mute: n.mute ? 1 : 0, probability: 1,
                              velocity_deviation: 0, release_velocity: 64 });
      ids.push(id);
    }
    return ids;
  }
  throw new Error(target.kind + " has no function " + fn);
};

module.exports = { FakeLive: FakeLive, NOTIFY_ERROR: NOTIFY_ERROR };
