// Bar scheduling against Live's transport: bar arithmetic, a queue of streamed bars where a newer
// version replaces an older one until that bar starts, the spans of song time to schedule next
// (following Live's loop), and a player that hands the queue's note-ons and note-offs to a
// scheduler a little ahead of their time.
"use strict";
var P = require("./protocol");

function beatsPerBar(num, den) { return (num || 4) * 4 / (den || 4); }

// The bar the playhead is in (song time in beats; bars counted from 0 at the song's start).
function barAt(songTime, num, den) { return Math.floor(songTime / beatsPerBar(num, den) + 1e-9); }
function barStart(bar, num, den) { return bar * beatsPerBar(num, den); }

// Assembles pushed /segue/bar/* messages into complete bars (begin, notes chunks, end).
function BarAssembler() { this.open = {}; }
BarAssembler.prototype.begin = function (args) {
  var f = {};
  for (var k = 0; k < P.BAR_BEGIN.length; k++) f[P.BAR_BEGIN[k]] = args[k];
  var amounts = P.ATTRIBUTES.map(function (name) { return f[name]; });
  this.open[f.bar + ":" + f.version] = { bar: f.bar, version: f.version, expected: f.notes, chunks: f.chunks,
                                         notes: [], morph: f.morph, temperature: f.temperature, seed: f.seed,
                                         amounts: amounts };
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

// Live's loop as {start, end} in beats when it is on and the playhead is inside it (only then does
// the playhead wrap), else null. t: {beat, loop, loopStart, loopLength}.
function loopOf(t) {
  if (!t.loop || !(t.loopLength > 0)) return null;
  var end = t.loopStart + t.loopLength;
  return t.beat >= t.loopStart - 1e-9 && t.beat < end ? { start: t.loopStart, end: end } : null;
}

// Beats from the playhead to song position x. When x is behind the playhead but inside Live's loop,
// it is either just behind (negative: a late tick) or after the wrap (the loop brings it round):
// whichever is nearer.
function leadTo(t, x) {
  var loop = loopOf(t);
  if (x >= t.beat - 1e-9 || !loop || x < loop.start - 1e-9) return x - t.beat;
  var wrapped = (loop.end - t.beat) + (x - loop.start);
  return wrapped < t.beat - x ? wrapped : x - t.beat;
}

// The song spans to schedule so that everything up to `ahead` beats past the playhead has been
// handed to the scheduler: from `from` (where the last call stopped) on, split where the loop
// wraps. Each span is {from, to, lead}: lead = beats from the playhead to the span's start.
// Returns {spans, until}, until being where the next call starts.
function spans(t, from, ahead) {
  var loop = loopOf(t);
  var out = [], at = from, lead = leadTo(t, from), left = ahead - lead;
  for (var guard = 0; left > 1e-9 && guard < 64; guard++) {
    var stop = loop && at < loop.end ? Math.min(loop.end, at + left) : at + left;
    out.push({ from: at, to: stop, lead: lead });
    left -= stop - at;
    lead += stop - at;
    at = loop && stop >= loop.end - 1e-9 ? loop.start : stop;
  }
  return { spans: out, until: at };
}

// Plays the queue through a scheduler. output(pitch, velocity, delayMs) hands a note to it
// (velocity 0 = note-off): in Max a [pipe] that fires it delayMs later on the high-priority
// scheduler, so notes keep Live's time however late the JS thread runs. play() schedules the notes
// of the given spans and every note-off due before now + horizonMs. played keeps what sounded (song
// beats) for Capture.
function Player(queue, output) {
  this.queue = queue;
  this.output = output;
  this.active = []; // {pitch, off: ms timestamp of its note-off}
  this.played = [];  // {pitch, start, duration, velocity} in song beats
  this.keepBeats = 64 * 4;
  this.locked = {}; // bars locked by the last call: unlocked once the schedule has moved past them
}
Player.prototype.play = function (list, num, den, now, msPerBeat, horizonMs) {
  var bpb = beatsPerBar(num, den), due = [], touched = {};
  for (var i = 0; i < list.length; i++) {
    var span = list[i];
    var first = barAt(span.from, num, den), last = barAt(Math.max(span.from, span.to - 1e-9), num, den);
    for (var bar = first; bar <= last; bar++) {
      var entry = this.queue.lock(bar); // its notes are being scheduled: no newer version replaces it now
      touched[bar] = true;
      if (!entry) continue;
      for (var k = 0; k < entry.notes.length; k++) {
        var n = entry.notes[k], at = bar * bpb + n.start;
        if (at >= span.from - 1e-9 && at < span.to - 1e-9) {
          due.push({ n: n, at: at, time: now + Math.max(0, (span.lead + at - span.from) * msPerBeat) });
        }
      }
    }
  }
  // A bar the schedule has left may come round again in a loop: a newer version may replace it then.
  for (var b in this.locked) if (!touched[b]) { var e = this.queue.get(Number(b)); if (e) e.locked = false; }
  this.locked = touched;
  due.sort(function (a, b) { return a.time - b.time || a.n.pitch - b.n.pitch; });
  for (k = 0; k < due.length; k++) {
    this._offs(due[k].time, now);
    this._on(due[k].n, due[k].at, due[k].time, now, msPerBeat);
  }
  this._offs(now + horizonMs, now);
};
Player.prototype._on = function (n, at, time, now, msPerBeat) {
  for (var k = 0; k < this.active.length; k++) {
    var a = this.active[k];
    if (a.pitch === n.pitch && !a.offSent) { // the same key again: end the old note first
      this.output(n.pitch, 0, time - now);
      a.offSent = true;
      a.off = time;
    }
  }
  this.output(n.pitch, n.velocity, time - now);
  this.active.push({ pitch: n.pitch, off: time + n.duration * msPerBeat, offSent: false });
  this.played.push({ pitch: n.pitch, start: at, duration: n.duration, velocity: n.velocity });
  var horizon = at - this.keepBeats;
  while (this.played.length && this.played[0].start < horizon) this.played.shift();
};
// Hands over the note-offs due by `until`. A note stays in `active` until its note-off time has
// passed, so allOff() still ends it if the scheduler is cleared before its note-off fires.
Player.prototype._offs = function (until, now) {
  var still = [];
  for (var k = 0; k < this.active.length; k++) {
    var a = this.active[k];
    if (!a.offSent && a.off <= until + 1e-9) { this.output(a.pitch, 0, Math.max(0, a.off - now)); a.offSent = true; }
    if (!a.offSent || a.off >= now) still.push(a);
  }
  this.active = still;
};
// Stop (or a jump of the playhead), after the scheduler was cleared: every note that may sound
// gets its note-off now.
Player.prototype.allOff = function () {
  for (var k = 0; k < this.active.length; k++) this.output(this.active[k].pitch, 0, 0);
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
                   BarQueue: BarQueue, Player: Player, loopOf: loopOf, leadTo: leadTo, spans: spans };
