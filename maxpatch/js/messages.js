// The engine's OSC messages as Max's [udpsend] takes them: an array [address, arg, arg, ...].
// Integers travel as OSC int32 and other numbers as float32 (Max's rule); the engine accepts an int
// wherever it wants a float. See docs/osc.md for the protocol.
"use strict";
var notes = require("./notes");

var PREFIX = "/segue";
var DEFAULT_PORT = 9797;
var CHUNK_BYTES = 1400;
var NOTE_BYTES = 20; // 4 type-tag characters + 4 values of 4 bytes
var KNOBS = {
  morph: [0, 1, "f"], temperature: [0, 4, "f"], seed: [0, 2147483647, "i"],
  note_density: [-3, 3, "f"], c_diatonic: [-3, 3, "f"], average_interval: [-3, 3, "f"],
  syncopation_16th: [-3, 3, "f"], syncopation_8th: [-3, 3, "f"],
  velocity: [0, 127, "i"], groove: [0, 1, "f"], octave: [-4, 4, "i"],
  range_low: [0, 127, "i"], range_high: [0, 127, "i"], scale_root: [-1, 11, "i"], scale: [null, null, "s"],
};
var ATTRIBUTES = ["note_density", "c_diatonic", "average_interval", "syncopation_16th", "syncopation_8th"];
var SCALES = ["major", "minor", "dorian", "phrygian", "lydian", "mixolydian", "locrian", "harmonic_minor",
              "melodic_minor", "pentatonic_major", "pentatonic_minor", "blues", "chromatic"];

function pad4(n) { return (n + 4) & ~3; } // an OSC string with its terminating zero, padded

// The exact size in bytes of an OSC message with these args (as the engine's parser sees it).
function oscSize(msg) {
  var size = pad4(msg[0].length) + pad4(msg.length); // address; ",ttt" type tags
  for (var k = 1; k < msg.length; k++) {
    size += typeof msg[k] === "string" ? pad4(utf8Length(msg[k])) : 4;
  }
  return size;
}

function utf8Length(s) {
  var n = 0;
  for (var k = 0; k < s.length; k++) {
    var c = s.charCodeAt(k);
    n += c < 0x80 ? 1 : c < 0x800 ? 2 : (c >= 0xd800 && c < 0xdc00) ? (k++, 4) : 3;
  }
  return n;
}

// Groups of notes such that `head + notes` stays within chunkBytes. Always at least one group.
function chunkNotes(head, list, chunkBytes) {
  var room = (chunkBytes || CHUNK_BYTES) - oscSize(head.concat([0])) - 4; // one seq int of slack
  var per = Math.max(1, Math.floor(room / NOTE_BYTES));
  var groups = [];
  for (var k = 0; k < list.length; k += per) groups.push(list.slice(k, k + per));
  if (!groups.length) groups.push([]);
  return groups;
}

var M = {
  hello: function (rid, instance, replyPort, chunkBytes) {
    return [PREFIX + "/hello", rid, String(instance), replyPort | 0, chunkBytes || CHUNK_BYTES];
  },
  ping: function (rid) { return [PREFIX + "/ping", rid]; },
  goodbye: function (rid) { return [PREFIX + "/goodbye", rid]; },
  modelInfo: function (rid) { return [PREFIX + "/model/info", rid]; },
  modelList: function (rid) { return [PREFIX + "/model/list", rid]; },
  modelChoose: function (rid, name) { return [PREFIX + "/model/choose", rid, String(name)]; },
  clipBegin: function (rid, clip, count, length, kind) {
    return [PREFIX + "/clip/begin", rid, clip, count | 0, length, kind || "notes"];
  },
  clipNotes: function (rid, clip, seq, group) {
    return [PREFIX + "/clip/notes", rid, clip, seq | 0].concat(notes.flatten(group));
  },
  clipEnd: function (rid, clip, chunks) { return [PREFIX + "/clip/end", rid, clip, chunks | 0]; },
  // All the messages of one clip upload: begin, the note chunks, end (rids from nextRid()).
  upload: function (nextRid, clip, list, length, kind, chunkBytes) {
    var head = [PREFIX + "/clip/notes", 0, clip, 0];
    var groups = chunkNotes(head, list, chunkBytes);
    var out = [M.clipBegin(nextRid(), clip, list.length, length, kind)];
    for (var s = 0; s < groups.length; s++) out.push(M.clipNotes(nextRid(), clip, s, groups[s]));
    out.push(M.clipEnd(nextRid(), clip, groups.length));
    return out;
  },
  slotEncode: function (rid, slot, clip) { return [PREFIX + "/slot/encode", rid, slot, clip]; },
  morphSlots: function (rid, a, b) { return [PREFIX + "/morph/slots", rid, a, b]; },
  knob: function (rid, name, value) {
    var spec = KNOBS[name];
    if (!spec) throw new Error("unknown knob " + name);
    if (spec[2] === "s") {
      if (SCALES.indexOf(String(value)) < 0) throw new Error("unknown scale " + value);
      return [PREFIX + "/knob/set/" + name, rid, String(value)];
    }
    var v = notes.clamp(Number(value), spec[0], spec[1]);
    if (spec[2] === "i") v = Math.round(v);
    return [PREFIX + "/knob/set/" + name, rid, v];
  },
  transport: function (rid, playing, tempo, beat, num, den) {
    return [PREFIX + "/transport/set", rid, playing ? 1 : 0, tempo, Math.max(-16, beat), num | 0, den | 0];
  },
  loop: function (rid, start, end) { return [PREFIX + "/transport/loop", rid, Math.max(0, start), Math.max(0, end)]; },
  seek: function (rid, beat) { return [PREFIX + "/transport/seek", rid, Math.max(0, beat)]; },
  render: function (rid, steps) { return [PREFIX + "/render", rid, notes.clamp(steps | 0, 2, 64)]; },
  barRequest: function (rid, bar) { return [PREFIX + "/bar/request", rid, bar | 0]; },
};

module.exports = { PREFIX: PREFIX, DEFAULT_PORT: DEFAULT_PORT, CHUNK_BYTES: CHUNK_BYTES, KNOBS: KNOBS,
                   ATTRIBUTES: ATTRIBUTES, SCALES: SCALES, oscSize: oscSize, chunkNotes: chunkNotes,
                   messages: M };
