// Note conversion between Live's note dicts (Live 11+ get_notes_extended / add_new_notes) and the
// engine's notes {pitch, start, duration, velocity} (beats), plus the flat OSC form
// pitch start duration velocity ... Plain CommonJS: runs under Node and inside Max's [v8].
"use strict";

function clamp(x, lo, hi) { return Math.min(hi, Math.max(lo, x)); }

// Live's reply to get_notes_extended is a JSON string (or an already-parsed dict): {notes:[...]}.
// Muted notes are skipped (they do not sound). `from` (default 0): the clip time the region read
// starts at; notes come back from 0, and those outside [0, length) of the region are cut to it.
function fromLive(reply, length, from) {
  from = from || 0;
  var dict = typeof reply === "string" ? JSON.parse(reply) : reply;
  var list = (dict && dict.notes) || [];
  var out = [];
  for (var k = 0; k < list.length; k++) {
    var n = list[k];
    if (n.mute) continue;
    var start = Number(n.start_time) - from;
    if (!(start >= -1e-9) || (length !== undefined && start >= length)) continue;
    var dur = Number(n.duration);
    if (length !== undefined) dur = Math.min(dur, length - start);
    if (!(dur > 0)) continue;
    out.push({ pitch: clamp(Math.round(n.pitch), 0, 127), start: Math.max(0, start), duration: dur,
               velocity: clamp(Math.round(n.velocity), 1, 127) });
  }
  out.sort(function (a, b) { return a.start - b.start || a.pitch - b.pitch; });
  return out;
}

// Engine notes to the dict add_new_notes takes.
function toLive(notes) {
  return { notes: notes.map(function (n) {
    return { pitch: n.pitch, start_time: n.start, duration: n.duration, velocity: n.velocity, mute: 0 };
  }) };
}

// Notes of one pitch never overlap in a Live clip: an earlier note ends where a later one of the
// same pitch starts (of two at the same time the longer is kept). Returns a new sorted list.
function trimOverlaps(list) {
  var sorted = list.map(function (n) {
    return { pitch: n.pitch, start: n.start, duration: n.duration, velocity: n.velocity };
  }).sort(function (a, b) { return a.pitch - b.pitch || a.start - b.start || b.duration - a.duration; });
  var out = [];
  for (var k = 0; k < sorted.length; k++) {
    var n = sorted[k], prev = out[out.length - 1];
    if (prev && prev.pitch === n.pitch) {
      if (Math.abs(prev.start - n.start) < 1e-9) continue;
      if (prev.start + prev.duration > n.start) prev.duration = n.start - prev.start;
    }
    out.push(n);
  }
  return out.sort(function (a, b) { return a.start - b.start || a.pitch - b.pitch; });
}

function flatten(notes) {
  var flat = [];
  for (var k = 0; k < notes.length; k++) {
    var n = notes[k];
    flat.push(Math.round(n.pitch), Number(n.start), Number(n.duration), Math.round(n.velocity));
  }
  return flat;
}

function unflatten(flat) {
  var out = [];
  for (var k = 0; k + 3 < flat.length; k += 4) {
    out.push({ pitch: flat[k] | 0, start: +flat[k + 1], duration: +flat[k + 2], velocity: flat[k + 3] | 0 });
  }
  return out;
}

// Shift notes by `offset` beats (bars inside a multi-bar buffer, captured notes).
function shift(notes, offset) {
  return notes.map(function (n) {
    return { pitch: n.pitch, start: n.start + offset, duration: n.duration, velocity: n.velocity };
  });
}

module.exports = { fromLive: fromLive, toLive: toLive, flatten: flatten, unflatten: unflatten, shift: shift,
                   trimOverlaps: trimOverlaps, clamp: clamp };
