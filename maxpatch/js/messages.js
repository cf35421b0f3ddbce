// The engine's OSC messages as Max's [udpsend] takes them: an array [address, arg, arg, ...].
// Integers travel as OSC int32 and other numbers as float32 (Max's rule); the engine accepts an int
// wherever it wants a float. See docs/osc.md for the protocol.
"use strict";
var notes = require("./notes");

var P = require("./protocol"); // generated from bridge/addresses.py: the one vocabulary
var PREFIX = P.PREFIX;
var DEFAULT_PORT = P.DEFAULT_PORT;
var CHUNK_BYTES = P.CHUNK_BYTES;
var KNOBS = P.KNOBS;
var ATTRIBUTES = P.ATTRIBUTES;
var SCALES = P.SCALES;

function pad4(n) { return (n + 4) & ~3; } // an OSC string with its terminating zero, padded

// The exact size in bytes of an OSC message with these args (as the engine's parser sees it).
function oscSize(msg) {
  var size = pad4(utf8Length(msg[0])) + pad4(msg.length); // address; ",ttt" type tags
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

// The notes cut into groups so that each message `address ...head seq {note}*` stays within
// `budget` bytes; always at least one (possibly empty) group. The same arithmetic as the engine's
// bridge/osc.py note_groups (a test cuts one clip with both).
function noteGroups(address, head, list, budget) {
  var fixed = pad4(utf8Length(address)) + 4; // the address, and the seq int
  for (var k = 0; k < head.length; k++) fixed += typeof head[k] === "string" ? pad4(utf8Length(head[k])) : 4;
  var base = fixed + pad4(1 + head.length + 1); // ',' + a tag per head value + the seq tag
  var per = Math.max(1, Math.floor(((budget || CHUNK_BYTES) - base - 4) / 20)); // 4 tags + 16 bytes a note
  var groups = [];
  for (var i = 0; i < Math.max(list.length, 1); i += per) groups.push(list.slice(i, i + per));
  return groups;
}

var M = {
  hello: function (rid, instance, replyPort, chunkBytes) {
    return [PREFIX + "/hello", rid, String(instance), replyPort | 0, chunkBytes || CHUNK_BYTES];
  },
  helloConfirm: function (rid, token) { return [PREFIX + "/hello/confirm", rid, token | 0]; },
  ping: function (rid) { return [PREFIX + "/ping", rid]; },
  goodbye: function (rid) { return [PREFIX + "/goodbye", rid]; },
  modelInfo: function (rid) { return [PREFIX + "/model/info", rid]; },
  modelList: function (rid) { return [PREFIX + "/model/list", rid]; },
  modelChoose: function (rid, name) { return [PREFIX + "/model/choose", rid, String(name)]; },
  modelUnavailable: function (rid) { return [PREFIX + "/model/unavailable", rid]; },
  clipBegin: function (rid, clip, count, length, kind) {
    return [PREFIX + "/clip/begin", rid, clip, count | 0, length, kind || "notes"];
  },
  clipNotes: function (rid, clip, seq, group) {
    return [PREFIX + "/clip/notes", rid, clip, seq | 0].concat(notes.flatten(group));
  },
  clipEnd: function (rid, clip, chunks) { return [PREFIX + "/clip/end", rid, clip, chunks | 0]; },
  // All the messages of one clip upload: begin, the note chunks, end (rids from nextRid()).
  upload: function (nextRid, clip, list, length, kind, chunkBytes) {
    var groups = noteGroups(PREFIX + "/clip/notes", [2147483647, clip], list, chunkBytes);
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
    if (spec.type === "s") {
      if (spec.choices.indexOf(String(value)) < 0) throw new Error("unknown " + name + " " + value);
      return [PREFIX + "/knob/set/" + name, rid, String(value)];
    }
    var v = notes.clamp(Number(value), spec.lo, spec.hi);
    if (spec.type === "i") v = Math.round(v);
    return [PREFIX + "/knob/set/" + name, rid, v];
  },
  transport: function (rid, playing, tempo, beat, num, den) {
    return [PREFIX + "/transport/set", rid, playing ? 1 : 0, tempo, Math.max(-16, beat), num | 0, den | 0];
  },
  loop: function (rid, start, end) { return [PREFIX + "/transport/loop", rid, Math.max(0, start), Math.max(0, end)]; },
  seek: function (rid, beat) { return [PREFIX + "/transport/seek", rid, Math.max(0, beat)]; },
  render: function (rid, steps) { return [PREFIX + "/render", rid, notes.clamp(steps | 0, 2, 64)]; },
  barRequest: function (rid, bar) { return [PREFIX + "/bar/request", rid, bar | 0]; },
  xySlots: function (rid, a, b, c, d) { return [PREFIX + "/xy/slots", rid, a, b, c, d]; },
  xySet: function (rid, x, y) {
    return [PREFIX + "/xy/set", rid, notes.clamp(Number(x) || 0, 0, 1), notes.clamp(Number(y) || 0, 0, 1)];
  },
  // Groove (tap: Drumify) an uploaded clip: amount 0 the grid .. 1 the model's feel, temperature 0 the
  // most likely hits (ranges from the table: protocol.js CLIP_GROOVE).
  clipRegroove: function (rid, clip, amount, temperature, tap) {
    var g = P.CLIP_GROOVE;
    return [PREFIX + (tap ? "/clip/drumify" : "/clip/groove"), rid, String(clip),
            notes.clamp(Number(amount) || 0, g.amount.lo, g.amount.hi),
            notes.clamp(Number(temperature) || 0, g.temperature.lo, g.temperature.hi)];
  },
  chordsSet: function (rid, text) { return [PREFIX + "/chords/set", rid, String(text)]; },
  chordsFromClip: function (rid, clip) { return [PREFIX + "/chords/from_clip", rid, String(clip)]; },
  chordsGet: function (rid) { return [PREFIX + "/chords/get", rid]; },
  // The MIDI Tools' operations (/segue/tool/*): op-specific arguments, then where the result lands,
  // look = {root, scale, grid, num, den} (see toolLook).
  tool: function (rid, op, args, look) {
    return [PREFIX + "/tool/" + op, rid].concat(args, [look.root | 0, String(look.scale), look.grid, look.num | 0,
                                                        look.den | 0]);
  },
  toolTargets: function (rid) { return [PREFIX + "/tool/targets", rid]; },
};

// Where a tool's result lands, as /segue/tool/* takes it: root -1 (no snapping) .. 11, a scale name,
// the grid in beats (0: the model's 16ths), the song's meter.
function toolLook(root, scale, grid, num, den) {
  return { root: notes.clamp(Math.round(Number(root)), -1, 11), scale: scale || "major",
           grid: notes.clamp(Number(grid) || 0, 0, 4), num: num || 4, den: den || 4 };
}

module.exports = { PREFIX: PREFIX, DEFAULT_PORT: DEFAULT_PORT, CHUNK_BYTES: CHUNK_BYTES, KNOBS: KNOBS,
                   ATTRIBUTES: ATTRIBUTES, SCALES: SCALES, oscSize: oscSize, noteGroups: noteGroups,
                   toolLook: toolLook, messages: M };
