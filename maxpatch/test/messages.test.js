"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const { messages: M, noteGroups, oscSize, CHUNK_BYTES } = require("../js/messages");

function many(n) {
  return Array.from({ length: n }, (_, k) => ({ pitch: 40 + (k % 40), start: k * 0.25 + 0.1, duration: 0.2, velocity: 90 }));
}

test("hello, knob, transport and render shapes follow docs/osc.md", () => {
  assert.deepEqual(M.hello(1, "segue-abc", 9800), ["/segue/hello", 1, "segue-abc", 9800, 1400]);
  assert.deepEqual(M.knob(2, "morph", 1.5), ["/segue/knob/set/morph", 2, 1]);
  assert.deepEqual(M.knob(3, "seed", 12.7), ["/segue/knob/set/seed", 3, 13]);
  assert.deepEqual(M.knob(4, "scale", "dorian"), ["/segue/knob/set/scale", 4, "dorian"]);
  assert.throws(() => M.knob(5, "scale", "klingon"));
  assert.throws(() => M.knob(5, "volume", 1));
  assert.deepEqual(M.transport(6, true, 120, 8, 4, 4), ["/segue/transport/set", 6, 1, 120, 8, 4, 4]);
  assert.deepEqual(M.render(7, 100), ["/segue/render", 7, 64]);
  assert.deepEqual(M.slotEncode(8, "A", "clip-A"), ["/segue/slot/encode", 8, "A", "clip-A"]);
});

test("oscSize counts padded address, type tags and arguments", () => {
  assert.equal(oscSize(["/segue/ping", 1]), 12 + 4 + 4);
  assert.equal(oscSize(["/a", "abc"]), 4 + 4 + 4);
  assert.equal(oscSize(["/a", "abcd"]), 4 + 4 + 8);
});

test("uploads chunk at 1.4 KB: every message fits and every note is sent once, in order", () => {
  for (const n of [0, 1, 68, 69, 500]) {
    let rid = 0;
    const batch = M.upload(() => ++rid, "clip-A", many(n), 16, "notes");
    assert.deepEqual(batch[0], ["/segue/clip/begin", 1, "clip-A", n, 16, "notes"]);
    const chunks = batch.slice(1, -1);
    assert.deepEqual(batch.at(-1), ["/segue/clip/end", rid, "clip-A", chunks.length]);
    const flat = [];
    chunks.forEach((m, seq) => {
      assert.ok(oscSize(m) <= CHUNK_BYTES, `chunk ${seq} is ${oscSize(m)} bytes`);
      assert.equal(m[3], seq);
      flat.push(...m.slice(4));
    });
    assert.equal(flat.length, n * 4);
    assert.ok(chunks.length >= 1);
  }
  assert.equal(noteGroups("/segue/clip/notes", [1, "x"], many(200), 8192).length, 1);
});
