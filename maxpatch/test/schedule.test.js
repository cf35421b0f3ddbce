"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const s = require("../js/schedule");

test("bar arithmetic from song time", () => {
  assert.equal(s.beatsPerBar(4, 4), 4);
  assert.equal(s.beatsPerBar(6, 8), 3);
  assert.equal(s.barAt(0, 4, 4), 0);
  assert.equal(s.barAt(3.999, 4, 4), 0);
  assert.equal(s.barAt(4, 4, 4), 1);
  assert.equal(s.barAt(9, 3, 4), 3);
  assert.equal(s.barStart(5, 4, 4), 20);
});

test("a newer version replaces an older one until the bar starts", () => {
  const q = new s.BarQueue();
  assert.ok(q.offer(2, 1, ["v1"], 0));
  assert.ok(q.offer(2, 3, ["v3"], 0));
  assert.ok(!q.offer(2, 2, ["v2"], 0), "an older version never replaces a newer one");
  assert.equal(q.get(2).version, 3);
  q.lock(2);
  assert.ok(!q.offer(2, 4, ["v4"], 2), "once the bar started it is kept");
  assert.ok(!q.offer(1, 9, [], 2), "a bar already over is dropped");
  assert.equal(q.get(2).notes[0], "v3");
});

test("the player hands notes and note-offs to the scheduler with their delays, and ends all on stop", () => {
  const q = new s.BarQueue();
  const out = [];
  const p = new s.Player(q, (pitch, vel, delay) => out.push([pitch, vel, delay]));
  q.offer(0, 1, [{ pitch: 60, start: 0, duration: 1, velocity: 100 }, { pitch: 64, start: 2, duration: 4, velocity: 90 }]);
  q.offer(1, 1, [{ pitch: 67, start: 0.5, duration: 0.5, velocity: 80 }]);
  const t = (beat) => ({ beat: beat, loop: false });
  const ms = 500; // per beat: 120 BPM
  let plan = s.spans(t(0), 0, 0.5); // [0, 0.5) from the playhead at 0
  p.play(plan.spans, 4, 4, 1000, ms, 250);
  assert.deepEqual(out, [[60, 100, 0]]);
  plan = s.spans(t(0.4), plan.until, 2.1); // up to 2.5, from the playhead at 0.4 (1200 ms)
  p.play(plan.spans, 4, 4, 1200, ms, 1050);
  assert.deepEqual(out.slice(1), [[60, 0, 300], [64, 90, 800]], "note-off at 1 beat, 64 at 2 beats");
  assert.ok(!q.offer(0, 2, [], 0), "bar 0 is being played: locked");
  assert.ok(q.offer(1, 2, [{ pitch: 65, start: 0.5, duration: 0.5, velocity: 70 }], 0), "bar 1 not yet");
  plan = s.spans(t(2.4), plan.until, 2.2); // up to 4.6
  p.play(plan.spans, 4, 4, 2200, ms, 1100);
  assert.deepEqual(out.slice(3), [[65, 70, 1050]]);
  p.allOff();
  assert.deepEqual(out.slice(4).sort(), [[64, 0, 0], [65, 0, 0]].sort());
  assert.deepEqual(p.capture(0, 4), [
    { pitch: 60, start: 0, duration: 1, velocity: 100 }, { pitch: 64, start: 2, duration: 2, velocity: 90 }]);
});

test("the same key again ends the older note first; cleared note-offs are sent again on stop", () => {
  const q = new s.BarQueue();
  const out = [];
  const p = new s.Player(q, (pitch, vel, delay) => out.push([pitch, vel, delay]));
  q.offer(0, 1, [{ pitch: 60, start: 0, duration: 2, velocity: 100 }, { pitch: 60, start: 1, duration: 1, velocity: 90 }]);
  p.play(s.spans({ beat: 0, loop: false }, 0, 1.5).spans, 4, 4, 0, 500, 750);
  assert.deepEqual(out, [[60, 100, 0], [60, 0, 500], [60, 90, 500]]);
  p.allOff(); // as after a stop: the scheduler was cleared, so every note that may sound ends now
  assert.deepEqual(out.slice(3), [[60, 0, 0], [60, 0, 0]]);
});

test("spans follow Live's loop and start where the last call stopped", () => {
  const loop = { beat: 7.9, loop: true, loopStart: 0, loopLength: 8 };
  assert.deepEqual(s.loopOf(loop), { start: 0, end: 8 });
  assert.equal(s.loopOf({ beat: 9, loop: true, loopStart: 0, loopLength: 8 }), null, "past the loop: no wrap");
  assert.ok(Math.abs(s.leadTo(loop, 0.1) - 0.2) < 1e-9, "0.1 comes after the wrap");
  assert.ok(Math.abs(s.leadTo(loop, 7.8) + 0.1) < 1e-9, "7.8 is just behind (a late tick), not a loop away");
  assert.ok(Math.abs(s.leadTo({ beat: 7.9, loop: false }, 7.5) + 0.4) < 1e-9, "behind, no loop: negative");
  const plan = s.spans(loop, 7.8, 0.3);
  assert.equal(plan.spans.length, 2);
  assert.deepEqual(plan.spans.map((x) => [x.from, x.to].map((v) => Math.round(v * 100) / 100)), [[7.8, 8], [0, 0.2]]);
  assert.ok(Math.abs(plan.spans[1].lead - 0.1) < 1e-9);
  assert.ok(Math.abs(plan.until - 0.2) < 1e-9);
  assert.deepEqual(s.spans({ beat: 3, loop: false }, 3.5, 0.4).spans, [], "already scheduled far enough");
});

test("bars assemble from begin, chunks in any order and end", () => {
  const a = new s.BarAssembler();
  const un = require("../js/notes").unflatten;
  a.begin([3, 2, 2, 2, 0.5, 1, 7, 0, 0, 0, 0, 0]);
  a.notes([3, 2, 1, 67, 1, 0.5, 80], un);
  a.notes([3, 2, 0, 60, 0, 0.5, 90], un);
  const bar = a.end([3, 2]);
  assert.equal(bar.bar, 3);
  assert.deepEqual(bar.notes.map((n) => n.pitch), [60, 67]);
  assert.equal(a.end([4, 1]), null);
});
