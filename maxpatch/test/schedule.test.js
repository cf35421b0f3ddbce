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

test("#11 bars assemble from begin, chunks in any order and end; a bar with a part lost is not whole", () => {
  const a = new s.BarAssembler();
  const un = require("../js/notes").unflatten;
  a.begin([3, 2, 2, 2, 0.5, 1, 7, 0, 0, 0, 0, 0]);
  a.notes([3, 2, 1, 67, 1, 0.5, 80], un);
  a.notes([3, 2, 0, 60, 0, 0.5, 90], un);
  const bar = a.end([3, 2]);
  assert.equal(bar.bar, 3);
  assert.ok(bar.complete);
  assert.deepEqual(bar.notes.map((n) => n.pitch), [60, 67]);
  assert.deepEqual(a.end([4, 1]), { bar: 4, version: 1, complete: false, notes: [] }, "its begin was lost");
  a.begin([5, 1, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0]);
  a.notes([5, 1, 0, 60, 0, 0.5, 90], un);
  a.notes([5, 1, 0, 60, 0, 0.5, 90], un); // the same chunk twice is counted once
  assert.equal(a.end([5, 1]).complete, false, "a chunk lost");
  a.begin([6, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0], 1000);
  assert.deepEqual(a.stale(1400, 500), []);
  assert.deepEqual(a.stale(1600, 500).map((b) => b.bar), [6], "its end never came");
});

test("#11 a render is whole only with every step's chunks, numbered without a gap (and the counts, when sent)", () => {
  const un = require("../js/notes").unflatten;
  const r = new s.RenderAssembler();
  r.begin(7, 2, 2);
  r.notes([7, 0, 0, 60, 0, 1, 90], un);
  r.notes([7, 1, 0, 62, 0, 1, 90], un);
  r.notes([7, 1, 1, 64, 1, 1, 90], un);
  const whole = r.end([7]);
  assert.ok(whole.complete);
  assert.deepEqual(whole.notes[1].map((n) => n.pitch), [62, 64]);
  r.begin(8, 2, 2);
  r.notes([8, 0, 0, 60, 0, 1, 90], un);
  assert.equal(r.end([8]).complete, false, "step 1 never came");
  r.begin(9, 2, 2);
  r.notes([9, 0, 0, 60, 0, 1, 90], un);
  r.notes([9, 1, 1, 64, 1, 1, 90], un);
  assert.equal(r.end([9]).complete, false, "step 1's first chunk lost");
  r.begin(10, 2, 2);
  r.notes([10, 0, 0, 60, 0, 1, 90], un);
  r.notes([10, 1, 0, 62, 0, 1, 90], un);
  assert.equal(r.end([10, 1, 2]).complete, false, "the engine says step 1 had two chunks");
  assert.equal(r.end([11]).complete, false, "its begin was lost");
});

test("#5 the song clock: stale readings never pull it back, a burst of them neither; jumps and loops are followed", () => {
  const rate = 120 / 60000; // beats per ms
  const c = new s.SongClock();
  c.setRate(rate, 0);
  c.reset(0, 0);
  const near = (a, b, ms) => assert.ok(Math.abs(a - b) <= ms * rate, a + " vs " + b);
  for (let t = 5; t <= 500; t += 5) c.observe(t * rate, t); // fresh readings
  near(c.beat(500), 500 * rate, 0.01);
  for (let t = 505; t <= 800; t += 5) c.observe((t - 30 - (t % 20)) * rate, t); // stale by 30-50 ms
  near(c.beat(800), 800 * rate, 1);
  // a burst: ticks queued during a 250 ms stall all run at once, each with the position it was due at
  for (let due = 805; due <= 1050; due += 5) assert.equal(c.observe(due * rate, 1050), false);
  near(c.beat(1050), 1050 * rate, 1);
  // a seek forward is a jump at once; a seek back once a second reading agrees
  assert.equal(c.observe(20, 1100), true);
  near(c.beat(1100), 20, 0.01);
  assert.equal(c.observe(4, 1105), false);
  assert.equal(c.observe(4 + 10 * rate, 1115), true);
  near(c.beat(1115), 4 + 10 * rate, 0.01);
  // a loop: positions past its end wrap, and readings from either side of the wrap agree
  const l = new s.SongClock();
  l.setRate(rate, 0);
  l.setLoop({ start: 0, end: 8 }, 0);
  l.reset(7.9, 0);
  near(l.beat(100), 0.1, 0.01);
  assert.equal(l.observe(7.99, 100), false, "a stale reading from before the wrap");
  near(l.beat(100), 0.1, 0.01);
  assert.equal(l.observe(0.12, 110), false, "after it");
  near(l.beat(110), 0.12, 0.01);
  // windowMs 0 trusts each reading (the old way)
  const naive = new s.SongClock({ windowMs: 0 });
  naive.setRate(rate, 0);
  naive.reset(1, 1000);
  naive.observe(0.9, 1000);
  assert.equal(naive.beat(1000), 0.9);
});

test("#5 the player drops a note that would sound more than dropMs late instead of playing it in a clump", () => {
  const q = new s.BarQueue();
  const out = [];
  const p = new s.Player(q, (pitch, vel, delay) => out.push([pitch, vel, delay]));
  q.offer(0, 1, [{ pitch: 60, start: 0, duration: 0.1, velocity: 100 }, { pitch: 62, start: 0.25, duration: 0.1, velocity: 100 },
                 { pitch: 64, start: 0.49, duration: 0.1, velocity: 100 }]);
  // the thread stalled: the tick comes at beat 0.5 (1250 ms at 120 BPM) with everything since 0 unscheduled
  p.play(s.spans({ beat: 0.5, loop: false }, 0, 0.12).spans, 4, 4, 1250, 500, 60, { dropMs: 10, graceUntil: null });
  assert.deepEqual(out.filter((n) => n[1] > 0), [[64, 100, 0]], "only the note 5 ms late is played");
  assert.equal(p.dropped, 2);
  // right after Play, the first notes are played however late (up to graceUntil)
  const q2 = new s.BarQueue(), out2 = [];
  const p2 = new s.Player(q2, (pitch, vel, delay) => out2.push([pitch, vel, delay]));
  q2.offer(0, 1, [{ pitch: 60, start: 0, duration: 0.5, velocity: 100 }]);
  p2.play(s.spans({ beat: 0.04, loop: false }, 0, 0.12).spans, 4, 4, 20, 500, 60, { dropMs: 10, graceUntil: 0.3 });
  assert.deepEqual(out2.filter((n) => n[1] > 0), [[60, 100, 0]]);
});
