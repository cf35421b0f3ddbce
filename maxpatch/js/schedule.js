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

// Assembles pushed /segue/bar/* messages into complete bars (begin, notes chunks, end). UDP may lose
// any of them: end() says whether the bar is whole (every announced chunk and note arrived), so a
// bar with holes is asked for again instead of played; stale() hands back bars whose end never came.
function BarAssembler() { this.open = {}; }
BarAssembler.prototype.begin = function (args, now) {
  var f = {};
  for (var k = 0; k < P.BAR_BEGIN.length; k++) f[P.BAR_BEGIN[k]] = args[k];
  var amounts = P.ATTRIBUTES.map(function (name) { return f[name]; });
  this.open[f.bar + ":" + f.version] = { bar: f.bar, version: f.version, expected: f.notes, chunks: f.chunks,
                                         seen: {}, notes: [], morph: f.morph, temperature: f.temperature,
                                         seed: f.seed, amounts: amounts, at: now || 0 };
};
BarAssembler.prototype.notes = function (args, unflatten) {
  var entry = this.open[args[0] + ":" + args[1]];
  if (!entry || entry.seen[args[2]]) return;
  entry.seen[args[2]] = true;
  entry.notes = entry.notes.concat(unflatten(args.slice(3)));
};
// The bar, with complete = false when a part of it was lost (its begin, a chunk, a note).
BarAssembler.prototype.end = function (args) {
  var key = args[0] + ":" + args[1];
  var entry = this.open[key];
  delete this.open[key];
  if (!entry) return { bar: args[0], version: args[1], complete: false, notes: [] };
  var chunks = 0;
  for (var seq in entry.seen) if (Number(seq) < entry.chunks) chunks++;
  entry.complete = chunks === entry.chunks && entry.notes.length === entry.expected;
  entry.notes.sort(function (a, b) { return a.start - b.start || a.pitch - b.pitch; });
  return entry;
};
// Bars begun more than `ms` ago whose end never came: forgotten, and returned (to be asked for again).
BarAssembler.prototype.stale = function (now, ms) {
  var out = [];
  for (var key in this.open) {
    if (now - this.open[key].at > ms) { out.push(this.open[key]); delete this.open[key]; }
  }
  return out;
};

// Assembles a render (/segue/render/begin, /notes per step and chunk, /end). It is whole when every
// step arrived with its chunks numbered 0..n-1 without a gap; when /segue/render/end carries the
// chunk count of each step (trailing ints), those counts are checked too. Without them a lost last
// chunk of a step cannot be told from a step that ended there.
function RenderAssembler() { this.open = {}; }
RenderAssembler.prototype.begin = function (rid, steps, bars) {
  this.open[rid] = { rid: rid, steps: steps, bars: bars, chunks: {}, notes: {} };
};
RenderAssembler.prototype.notes = function (args, unflatten) {
  var r = this.open[args[0]];
  if (!r) return;
  var step = args[1], seq = args[2];
  var seen = r.chunks[step] = r.chunks[step] || {};
  if (seen[seq]) return;
  seen[seq] = true;
  r.notes[step] = (r.notes[step] || []).concat(unflatten(args.slice(3)));
};
// -> {rid, steps, bars, notes: {step: [...]}, complete} (complete false when begin never came)
RenderAssembler.prototype.end = function (args) {
  var r = this.open[args[0]];
  delete this.open[args[0]];
  if (!r) return { rid: args[0], complete: false, notes: {} };
  var counts = args.slice(1);
  r.complete = true;
  for (var step = 0; step < r.steps; step++) {
    var seen = r.chunks[step] || {}, n = Object.keys(seen).length;
    for (var seq = 0; seq < n; seq++) if (!seen[seq]) r.complete = false;
    if (n === 0 || (counts.length === r.steps && counts[step] !== n)) r.complete = false;
  }
  return r;
};

// A new clip from /segue/clip/groove or /segue/clip/drumify: /segue/clip/result/begin rid clip notes
// length, /segue/clip/result/notes rid seq {note}*, /segue/clip/result/end rid chunks.
function ClipResultAssembler() { this.open = {}; }
ClipResultAssembler.prototype.begin = function (rid, clip, count, length) {
  this.open[rid] = { rid: rid, clip: clip, count: count, length: length, chunks: {} };
};
ClipResultAssembler.prototype.notes = function (args, unflatten) {
  var r = this.open[args[0]];
  if (r && !r.chunks[args[1]]) r.chunks[args[1]] = unflatten(args.slice(2));
};
// -> {rid, clip, length, notes, complete}: complete only with the begin, every chunk and every note
ClipResultAssembler.prototype.end = function (args) {
  var r = this.open[args[0]];
  delete this.open[args[0]];
  if (!r) return { rid: args[0], complete: false, notes: [] };
  var list = [], complete = Object.keys(r.chunks).length === args[1];
  for (var seq = 0; seq < args[1] && complete; seq++) {
    if (!r.chunks[seq]) complete = false;
    else list = list.concat(r.chunks[seq]);
  }
  return { rid: r.rid, clip: r.clip, length: r.length, notes: list, complete: complete && list.length === r.count };
};
ClipResultAssembler.prototype.begun = function (rid) { return !!this.open[rid]; };

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

// Live's song position in beats, estimated from readings that can be stale (a reading is never ahead
// of the true position, only behind it by however long it waited before the device read it) and
// jittery, at whatever rate they come. It keeps the upper envelope of the last windowMs of readings,
// each projected to now at the tempo: the freshest reading wins, and a run of stale ones (a burst
// of ticks queued behind a stall) cannot pull it back. A reading far ahead of the estimate is a jump
// (a seek); one far behind is a jump only when a second reading at least confirmMs later agrees
// with it (stale readings delivered at once never agree with each other across time). Positions
// are kept unwrapped while the playhead loops, so readings from either side of the wrap compare.
// windowMs 0: trust each reading as it comes (how the device worked before; the benchmark's baseline).
function SongClock(opts) {
  opts = opts || {};
  this.windowMs = opts.windowMs === undefined ? 400 : opts.windowMs;
  this.aheadJumpMs = opts.aheadJumpMs || 150;
  this.behindJumpMs = opts.behindJumpMs || 120;
  this.confirmMs = opts.confirmMs || 10;
  this.rate = 0;      // beats per ms; 0 while stopped
  this.loopDef = null; // Live's loop {start, end}, when on
  this.loop = null;    // the loop the playhead wraps in (it started before the loop's end)
  this.readings = [];  // {u: unwrapped beat, at: ms, key: u - at * rate}, keys decreasing (a window maximum)
  this.candidate = null;
}
SongClock.prototype.reset = function (beat, at) {
  this.readings = [{ u: beat, at: at, key: beat - at * this.rate }];
  this.candidate = null;
  var l = this.loopDef;
  this.loop = l && l.end > l.start && beat < l.end ? l : null;
};
SongClock.prototype.known = function () { return this.readings.length > 0; };
SongClock.prototype._unwrapped = function (now) { // the freshest reading of the window, projected to now
  while (this.readings.length > 1 && this.readings[0].at < now - this.windowMs) this.readings.shift();
  var r = this.readings[0];
  return r.u + (now - r.at) * this.rate;
};
SongClock.prototype._wrap = function (u) {
  var l = this.loop;
  if (!l || u < l.end) return u;
  return l.start + (u - l.end) % (l.end - l.start);
};
// The estimated song position now (null before any reading).
SongClock.prototype.beat = function (now) {
  if (!this.readings.length) return null;
  return this._wrap(this._unwrapped(now));
};
// A new tempo (rate, beats per ms) or loop from now on: the estimate so far is kept as the anchor.
SongClock.prototype.setRate = function (rate, now) {
  var b = this.beat(now);
  this.rate = rate;
  if (b !== null) this.reset(b, now);
};
SongClock.prototype.setLoop = function (loop, now) {
  var b = this.beat(now);
  this.loopDef = loop;
  if (b !== null) this.reset(b, now);
};
// A reading of the song position taken at or before `now`. Returns true when it is a jump.
SongClock.prototype.observe = function (beat, now) {
  if (!this.readings.length || this.rate <= 0 || this.windowMs <= 0) {
    var far = this.readings.length && this.rate > 0 &&
              Math.abs(beat - this.beat(now)) / this.rate > Math.max(this.aheadJumpMs, this.behindJumpMs);
    this.reset(beat, now);
    return !!far;
  }
  var p = this._unwrapped(now), u = beat, l = this.loop;
  if (l && beat >= l.start - 1e-9 && beat < l.end && p >= l.end) { // the same place in a later pass
    var len = l.end - l.start;
    u = beat + Math.max(0, Math.round((p - beat) / len)) * len;
  }
  var d = (u - p) / this.rate; // ms
  if (d > this.aheadJumpMs) { this.reset(beat, now); return true; }
  if (d < -this.behindJumpMs) {
    var c = this.candidate;
    var agrees = c && Math.abs(c.beat + (now - c.at) * this.rate - beat) <= 5 * this.rate;
    if (agrees && now - c.at >= this.confirmMs) { this.reset(beat, now); return true; }
    if (!agrees) this.candidate = { beat: beat, at: now };
    return false;
  }
  this.candidate = null;
  var key = u - now * this.rate;
  while (this.readings.length && this.readings[this.readings.length - 1].key <= key) this.readings.pop();
  this.readings.push({ u: u, at: now, key: key });
  return false;
};

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
  this.dropped = 0; // notes dropped because they would have fired too late
}
// late (optional): {dropMs, graceUntil}: a note that would fire more than dropMs late is dropped (a
// stall of the JS thread must not come out as a clump of notes), except notes before song beat
// graceUntil (the first notes after Play, which the device only learns of a little late).
Player.prototype.play = function (list, num, den, now, msPerBeat, horizonMs, late) {
  var bpb = beatsPerBar(num, den), due = [], touched = {};
  var dropMs = late && late.dropMs !== undefined ? late.dropMs : Infinity;
  var grace = late && late.graceUntil !== undefined && late.graceUntil !== null ? late.graceUntil : -Infinity;
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
          var time = now + (span.lead + at - span.from) * msPerBeat;
          if (time < now - dropMs && at >= grace - 1e-9) { this.dropped++; continue; }
          due.push({ n: n, at: at, time: Math.max(now, time) });
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
                   RenderAssembler: RenderAssembler, ClipResultAssembler: ClipResultAssembler,
                   BarQueue: BarQueue, Player: Player, SongClock: SongClock,
                   loopOf: loopOf, leadTo: leadTo, spans: spans };
