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

// Does this track hold a drum rack (any of its devices can have drum pads)?
function isDrumTrack(api, track) {
  var t = api("live_set tracks " + track);
  var count = t.getcount ? t.getcount("devices") : 0;
  for (var k = 0; k < count; k++) {
    if (num(api("live_set tracks " + track + " devices " + k).get("can_have_drum_pads")) === 1) return true;
  }
  return false;
}

// A clip's notes, length and kind, or {error} when there is no MIDI clip there.
// where: {track, scene} or "selected" (Live's detail clip).
function readClip(api, where) {
  var path, track;
  if (where === "selected") {
    var view = api("live_set view detail_clip");
    if (!view.id || String(view.id) === "0") return { error: "no clip is selected" };
    path = String(view.unquotedpath || view.path || "live_set view detail_clip").replace(/"/g, "");
    var m = /tracks (\d+) clip_slots/.exec(path);
    track = m ? Number(m[1]) : null; // the canonical path names the track
  } else {
    if (num(api(slotPath(where.track, where.scene)).get("has_clip")) !== 1) {
      return { error: "track " + (where.track + 1) + ", scene " + (where.scene + 1) + " holds no clip" };
    }
    path = clipPath(where.track, where.scene);
    track = where.track;
  }
  var clip = api(path);
  if (num(clip.get("is_midi_clip")) !== 1) return { error: "that clip is an audio clip" };
  var length = num(clip.get("length"));
  var reply = clip.call("get_notes_extended", 0, 128, 0, length);
  return { notes: notes.fromLive(reply, length), length: length, name: String(first(clip.get("name")) || ""),
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
  if (list.length) clip.call("add_new_notes", notes.toLive(list));
  return clipPath(track, scene);
}

// Live's song scale, when it has one (Live 12: root_note 0-11, scale_name). null otherwise.
function songScale(api) {
  var song = api("live_set");
  var root = song.get("root_note"), name = song.get("scale_name");
  if (root === undefined || root === null || name === undefined || name === null) return null;
  var scale = P.LIVE_SCALES[String(first(name))];
  return scale ? { root: num(root), scale: scale } : null;
}

function transport(api) {
  var song = api("live_set");
  return { playing: num(song.get("is_playing")) === 1, tempo: num(song.get("tempo")),
           beat: num(song.get("current_song_time")), num: num(song.get("signature_numerator")),
           den: num(song.get("signature_denominator")), loop: num(song.get("loop")) === 1,
           loopStart: num(song.get("loop_start")) || 0, loopLength: num(song.get("loop_length")) || 0 };
}

module.exports = { slotPath: slotPath, clipPath: clipPath, isDrumTrack: isDrumTrack, readClip: readClip,
                   emptySlots: emptySlots, writeClip: writeClip, songScale: songScale, transport: transport };
