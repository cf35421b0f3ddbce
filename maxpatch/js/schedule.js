// Bar scheduling against Live's transport: bar arithmetic, a queue of streamed bars where a newer
// version replaces an older one until that bar starts, and a player that turns the queue into
// note-ons and note-offs as the song time advances.
"use strict";

function beatsPerBar(num, den) { return (num || 4) * 4 / (den || 4); }

// The bar the playhead is in (song time in beats; bars counted from 0 at the song's start).
function barAt(songTime, num, den) { return Math.floor(songTime / beatsPerBar(num, den) + 1e-9); }
function barStart(bar, num, den) { return bar * beatsPerBar(num, den); }

// Assembles pushed /segue/bar/* messages into complete bars (begin, notes chunks, end).
function BarAssembler() { this.open = {}; }
BarAssembler.prototype.begin = function (args) {
  var key = args[0] + ":" + args[1];
  this.open[key] = { bar: args[0], version: args[1], expected: args[2], chunks: args[3], notes: [],
                     morph: args[4], temperature: args[5], seed: args[6], amounts: args.slice(7, 12) };
};
BarAssembler.prototype.notes = function (args, unflatten) {
  var entry = this.open[args[0] + ":" + args[1]];
  if (entry) entry.notes = entry.notes.concat(unflatten(args.slice(3)));
};
// Returns the complete bar, or null when its begin was never seen.
BarAssembler.prototype.end = function (args) {
  var key = args[0] + ":" + args[1];
  var entry = this.open[key];
  delete this.open[key];
  if (!entry) return null;
  entry.notes.sort(function (a, b) { return a.start - b.start || a.pitch - b.pitch; });
  return entry;
};

// Bars waiting to be played. offer() keeps the highest version of a bar until the bar starts;
// lock() (when the playhead reaches it) freezes it.
function BarQueue() { this.bars = {}; }
BarQueue.prototype.offer = function (bar, version, notes, playheadBar) {
  if (playheadBar !== undefined && bar < playheadBar) return false; // already over
  var have = this.bars[bar];
  if (have && (have.locked || have.version >= version)) return false;
  this.bars[bar] = { bar: bar, version: version, notes: notes, locked: false };
  return true;
};
BarQueue.prototype.lock = function (bar) {
  var have = this.bars[bar];
  if (have) have.locked = true;
  return have || null;
};
BarQueue.prototype.get = function (bar) { return this.bars[bar] || null; };
BarQueue.prototype.forgetBefore = function (bar) {
  for (var k in this.bars) if (Number(k) < bar) delete this.bars[k];
};
BarQueue.prototype.clear = function () { this.bars = {}; };

// Plays the queue. output(pitch, velocity) sends a note (velocity 0 = note-off). advance(from, to)
// fires every note-on whose song time falls in [from, to) and every note-off due by `to`.
// played keeps what sounded (absolute beats) for Capture.
function Player(queue, output) {
  this.queue = queue;
  this.output = output;
  this.active = []; // {pitch, off}
  this.played = [];  // {pitch, start, duration, velocity} in song beats
  this.keepBeats = 64 * 4;
}
Player.prototype.advance = function (from, to, num, den) {
  var bpb = beatsPerBar(num, den);
  var first = barAt(from, num, den), last = barAt(Math.max(from, to - 1e-9), num, den);
  var due = [];
  for (var bar = first; bar <= last; bar++) {
    var entry = this.queue.lock(bar); // the playhead is in it: no newer version replaces it now
    if (!entry) continue;
    for (var k = 0; k < entry.notes.length; k++) {
      var n = entry.notes[k], at = bar * bpb + n.start;
      if (at >= from - 1e-9 && at < to - 1e-9) due.push({ n: n, at: at });
    }
  }
  due.sort(function (a, b) { return a.at - b.at; });
  for (k = 0; k < due.length; k++) { this._offs(due[k].at); this._on(due[k].n, due[k].at); }
  this._offs(to);
  this.queue.forgetBefore(first - 1);
};
Player.prototype._on = function (n, at) {
  for (var k = 0; k < this.active.length; k++) {
    if (this.active[k].pitch === n.pitch) { this.output(n.pitch, 0); this.active.splice(k, 1); break; }
  }
  this.output(n.pitch, n.velocity);
  this.active.push({ pitch: n.pitch, off: at + n.duration });
  this.played.push({ pitch: n.pitch, start: at, duration: n.duration, velocity: n.velocity });
  var horizon = at - this.keepBeats;
  while (this.played.length && this.played[0].start < horizon) this.played.shift();
};
Player.prototype._offs = function (to) {
  var still = [];
  for (var k = 0; k < this.active.length; k++) {
    var a = this.active[k];
    if (a.off <= to + 1e-9) this.output(a.pitch, 0); else still.push(a);
  }
  this.active = still;
};
// Stop (or a jump of the playhead): every sounding note gets its note-off now.
Player.prototype.allOff = function () {
  for (var k = 0; k < this.active.length; k++) this.output(this.active[k].pitch, 0);
  this.active = [];
};
// What sounded in [from, to) song beats, as notes relative to `from` (durations cut at `to`).
Player.prototype.capture = function (from, to) {
  var out = [];
  for (var k = 0; k < this.played.length; k++) {
    var p = this.played[k];
    if (p.start >= from - 1e-9 && p.start < to - 1e-9) {
      out.push({ pitch: p.pitch, start: p.start - from, duration: Math.min(p.duration, to - p.start),
                 velocity: p.velocity });
    }
  }
  return out;
};

module.exports = { beatsPerBar: beatsPerBar, barAt: barAt, barStart: barStart, BarAssembler: BarAssembler,
                   BarQueue: BarQueue, Player: Player };
