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

test("the player fires notes at their song time, note-offs when due and on stop", () => {
  const q = new s.BarQueue();
  const out = [];
  const p = new s.Player(q, (pitch, vel) => out.push([pitch, vel]));
  q.offer(0, 1, [{ pitch: 60, start: 0, duration: 1, velocity: 100 }, { pitch: 64, start: 2, duration: 4, velocity: 90 }]);
  q.offer(1, 1, [{ pitch: 67, start: 0.5, duration: 0.5, velocity: 80 }]);
  p.advance(0, 0.5, 4, 4);
  assert.deepEqual(out, [[60, 100]]);
  p.advance(0.5, 2.5, 4, 4);
  assert.deepEqual(out, [[60, 100], [60, 0], [64, 90]]);
  assert.ok(!q.offer(0, 2, [], 0), "bar 0 is playing: locked");
  assert.ok(q.offer(1, 2, [{ pitch: 65, start: 0.5, duration: 0.5, velocity: 70 }], 0), "bar 1 not yet");
  p.advance(2.5, 4.6, 4, 4);
  assert.deepEqual(out.slice(3), [[65, 70]]);
  p.allOff();
  assert.deepEqual(out.slice(4).sort(), [[64, 0], [65, 0]].sort());
  assert.deepEqual(p.capture(0, 4), [
    { pitch: 60, start: 0, duration: 1, velocity: 100 }, { pitch: 64, start: 2, duration: 2, velocity: 90 }]);
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
