"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const live = require("../js/live");
const { FakeLive, NOTIFY_ERROR } = require("./fake_live");

function set() {
  const fake = new FakeLive({ scenes: 4 });
  fake.addTrack("Keys");
  fake.addTrack("Drums", true);
  fake.putClip(0, 0, 8, [{ pitch: 60, start: 0, duration: 1, velocity: 100 }, { pitch: 62, start: 4, duration: 1, velocity: 90, mute: 1 }], "Verse");
  fake.putClip(1, 0, 4, [{ pitch: 36, start: 0, duration: 0.25, velocity: 120 }]);
  return fake;
}
const api = (fake) => (p) => fake.api(p);

test("readClip reads notes with get_notes_extended, its length and whether it sits on a drum rack", () => {
  const fake = set();
  const clip = live.readClip(api(fake), { track: 0, scene: 0 });
  assert.deepEqual(clip.notes, [{ pitch: 60, start: 0, duration: 1, velocity: 100 }]);
  assert.equal(clip.length, 8);
  assert.equal(clip.kind, "notes");
  assert.equal(clip.name, "Verse");
  assert.equal(live.readClip(api(fake), { track: 1, scene: 0 }).kind, "drums");
  assert.match(live.readClip(api(fake), { track: 0, scene: 2 }).error, /holds no clip/);
  assert.match(live.readClip(api(fake), "selected").error, /no clip is selected/);
  fake.selected = [1, 0];
  assert.equal(live.readClip(api(fake), "selected").kind, "drums");
});

test("writeClip writes into an empty slot only, and never from a notification", () => {
  const fake = set();
  assert.deepEqual(live.emptySlots(api(fake), 0, 8, 0), [1, 2, 3]);
  const notes = [{ pitch: 67, start: 0.5, duration: 0.5, velocity: 80 }];
  assert.throws(() => live.writeClip(api(fake), 0, 0, 4, notes, "x"), /not empty/);
  assert.throws(() => fake.notify(() => live.writeClip(api(fake), 0, 1, 4, notes, "x")), { message: NOTIFY_ERROR });
  assert.equal(fake.tracks[0].slots[1], null);
  live.writeClip(api(fake), 0, 1, 4, notes, "Segue A\u2192B 1/2");
  const c = fake.tracks[0].slots[1];
  assert.equal(c.name, "Segue A\u2192B 1/2");
  assert.equal(c.length, 4);
  assert.deepEqual(live.readClip(api(fake), { track: 0, scene: 1 }).notes, notes);
  assert.equal(fake.tracks[0].slots[0].notes.length, 2, "the user's clip is untouched");
});

test("transport and the song's scale come from live_set", () => {
  const fake = set();
  fake.song.is_playing = 1; fake.song.current_song_time = 9.5; fake.song.tempo = 97;
  assert.deepEqual(live.transport(api(fake)), { playing: true, tempo: 97, beat: 9.5, num: 4, den: 4,
                                                  loop: false, loopStart: 0, loopLength: 16 });
  fake.song.loop = 1; fake.song.loop_start = 8; fake.song.loop_length = 4;
  assert.deepEqual(live.transport(api(fake)).loop, true);
  assert.deepEqual(live.transport(api(fake)).loopStart, 8);
  fake.song.root_note = 2; fake.song.scale_name = "Dorian";
  assert.deepEqual(live.songScale(api(fake)), { root: 2, scale: "dorian" });
});
