"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const notes = require("../js/notes");

test("fromLive reads Live's JSON, skips muted notes, rounds, sorts and cuts to the clip", () => {
  const reply = JSON.stringify({ notes: [
    { note_id: 2, pitch: 64, start_time: 1, duration: 0.5, velocity: 90.6, mute: 0, probability: 1 },
    { note_id: 1, pitch: 60, start_time: 0, duration: 1, velocity: 100, mute: 0 },
    { note_id: 3, pitch: 62, start_time: 0.5, duration: 1, velocity: 80, mute: 1 },
    { note_id: 4, pitch: 67, start_time: 3.5, duration: 2, velocity: 0.2, mute: 0 },
    { note_id: 5, pitch: 69, start_time: 4, duration: 1, velocity: 70, mute: 0 },
  ] });
  assert.deepEqual(notes.fromLive(reply, 4), [
    { pitch: 60, start: 0, duration: 1, velocity: 100 },
    { pitch: 64, start: 1, duration: 0.5, velocity: 91 },
    { pitch: 67, start: 3.5, duration: 0.5, velocity: 1 },
  ]);
  assert.deepEqual(notes.fromLive({ notes: [] }), []);
});

test("toLive gives add_new_notes' dict and flatten/unflatten round-trip", () => {
  const list = [{ pitch: 60, start: 0.25, duration: 0.5, velocity: 100 }, { pitch: 72, start: 3, duration: 1, velocity: 1 }];
  assert.deepEqual(notes.toLive(list).notes[0], { pitch: 60, start_time: 0.25, duration: 0.5, velocity: 100, mute: 0 });
  assert.deepEqual(notes.flatten(list), [60, 0.25, 0.5, 100, 72, 3, 1, 1]);
  assert.deepEqual(notes.unflatten(notes.flatten(list)), list);
  assert.deepEqual(notes.shift(list, 4)[1].start, 7);
});
