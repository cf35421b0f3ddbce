// Reading and writing clips through the Live API. `api(path)` returns a LiveAPI-like object
// (get/set/call; Max's `new LiveAPI(path)`), injected so the same code runs against the fake under Node.
// Writes must not run inside a Live notification: the caller defers them (see device.js).
"use strict";
var notes = require("./notes");
var P = require("./protocol");

function first(v) { return Array.isArray(v) ? v[0] : v; }
function num(v) { return Number(first(v)); }

function slotPath(track, scene) { return "live_set tracks " + track + " clip_slots " + scene; }
function clipPath(track, scene) { return slotPath(track, scene) + " clip"; }

// Does this track (a path) hold a drum rack (any of its devices can have drum pads)?
function isDrumTrack(api, trackPath) {
  var t = api(trackPath);
  var count = t.getcount ? Number(t.getcount("devices")) || 0 : 0;
  for (var k = 0; k < count; k++) {
    if (num(api(trackPath + " devices " + k).get("can_have_drum_pads")) === 1) return true;
  }
  return false;
}

// The path of the track a clip sits on: from the canonical path when Live gives one, else up its
// canonical_parent chain (a Session clip's parent is its clip slot, an Arrangement clip's its track).
function trackOfClip(api, clipPath) {
  var m = /^live_set tracks (\d+)/.exec(clipPath);
  if (m) return "live_set tracks " + m[1];
  var parent = clipPath + " canonical_parent";
  var type = String(api(parent).type || "");
  if (type === "ClipSlot") { parent += " canonical_parent"; type = String(api(parent).type || ""); }
  return type === "Track" ? parent : null;
}

// The part of a clip the producer hears: its loop when it loops, else from start to end marker.
function clipRegion(clip) {
  if (num(clip.get("looping")) === 1) {
    var ls = num(clip.get("loop_start")), le = num(clip.get("loop_end"));
    if (le > ls) return { from: ls, length: le - ls };
  }
  var sm = num(clip.get("start_marker")), em = num(clip.get("end_marker"));
  if (em > sm) return { from: sm, length: em - sm };
  return { from: 0, length: num(clip.get("length")) };
}

// A clip's notes (those of the region it plays, from 0), length and kind, or {error} when there is
// no MIDI clip there. where: {track, scene} or "selected" (Live's detail clip).
function readClip(api, where) {
  var path;
  if (where === "selected") {
    var view = api("live_set view detail_clip");
    if (!view.id || String(view.id) === "0") return { error: "no clip is selected" };
    path = String(view.unquotedpath || view.path || "live_set view detail_clip").replace(/"/g, "");
  } else {
    if (num(api(slotPath(where.track, where.scene)).get("has_clip")) !== 1) {
      return { error: "track " + (where.track + 1) + ", scene " + (where.scene + 1) + " holds no clip" };
    }
    path = clipPath(where.track, where.scene);
  }
  var clip = api(path);
  if (num(clip.get("is_midi_clip")) !== 1) return { error: "that clip is an audio clip" };
  var region = clipRegion(clip);
  if (!(region.length > 0)) return { error: "that clip is empty" };
  var reply = clip.call("get_notes_extended", 0, 128, region.from, region.length);
  var list = notes.fromLive(reply, region.length, region.from);
  var track = where === "selected" ? trackOfClip(api, path) : "live_set tracks " + where.track;
  return { notes: list, length: region.length, name: String(first(clip.get("name")) || ""),
           kind: track !== null && isDrumTrack(api, track) ? "drums" : "notes", path: path };
}

// Scene indexes of empty slots in `track`, from scene `from` on, at most `count`.
function emptySlots(api, track, count, from) {
  var scenes = api("live_set").getcount("scenes");
  var out = [];
  for (var s = from || 0; s < scenes && out.length < count; s++) {
    if (num(api(slotPath(track, s)).get("has_clip")) === 0) out.push(s);
  }
  return out;
}

// Write a new clip into an EMPTY slot: create_clip, name, add_new_notes. Refuses a filled slot.
function writeClip(api, track, scene, length, list, name) {
  var slot = api(slotPath(track, scene));
  if (num(slot.get("has_clip")) !== 0) throw new Error("slot " + track + "/" + scene + " is not empty");
  slot.call("create_clip", length);
  var clip = api(clipPath(track, scene));
  clip.set("name", name);
  // Live cuts a note short where a later one of the same pitch starts: do it here, so the clip
  // holds exactly what was asked for.
  if (list.length) clip.call("add_new_notes", notes.toLive(notes.trimOverlaps(list)));
  return clipPath(track, scene);
}

// The snapping Live's song key asks for (Live 12: scale_mode, root_note 0-11, scale_name):
// {root, scale}, or {root: -1} (no snapping) when Scale Mode is off or the scale is not one of ours.
// key: {mode, root, name} as read or observed.
function songSnap(key) {
  var scale = key && P.LIVE_SCALES[String(key.name)];
  if (!key || Number(key.mode) !== 1 || !scale || !(Number(key.root) >= 0 && Number(key.root) <= 11)) {
    return { root: -1, scale: null };
  }
  return { root: Number(key.root), scale: scale };
}
function songKey(api) {
  var song = api("live_set");
  return { mode: num(song.get("scale_mode")), root: num(song.get("root_note")),
           name: String(first(song.get("scale_name"))) };
}

// The song properties the device observes (they change rarely), read once; and their names.
var SONG_STATE = { is_playing: "playing", tempo: "tempo", signature_numerator: "num",
                   signature_denominator: "den", loop: "loop", loop_start: "loopStart", loop_length: "loopLength" };
function songState(api) {
  var song = api("live_set"), out = {};
  for (var prop in SONG_STATE) out[SONG_STATE[prop]] = num(song.get(prop));
  out.playing = out.playing === 1;
  out.loop = out.loop === 1;
  return out;
}
function songTime(api) { return num(api("live_set").get("current_song_time")); }

// The index of the track holding this device: from the canonical path, else by matching ids.
function ownTrack(api) {
  var parent = api("this_device canonical_parent");
  var m = /tracks (\d+)/.exec(String(parent.unquotedpath || parent.path || "").replace(/"/g, ""));
  if (m) return Number(m[1]);
  var count = Number(api("live_set").getcount("tracks")) || 0;
  for (var k = 0; k < count; k++) if (String(api("live_set tracks " + k).id) === String(parent.id)) return k;
  return 0;
}

module.exports = { slotPath: slotPath, clipPath: clipPath, isDrumTrack: isDrumTrack, trackOfClip: trackOfClip,
                   clipRegion: clipRegion, readClip: readClip, emptySlots: emptySlots, writeClip: writeClip,
                   songSnap: songSnap, songKey: songKey, songState: songState, songTime: songTime,
                   SONG_STATE: SONG_STATE, ownTrack: ownTrack };
