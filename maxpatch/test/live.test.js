"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const live = require("../js/live");
const notes = require("../js/notes");
const { FakeLive, NOTIFY_ERROR, HIGH_ERROR } = require("./fake_live");

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
  // the detail clip's path is not canonical: its track is found up the canonical_parent chain
  fake.selected = [1, 0];
  assert.equal(fake.api("live_set view detail_clip").unquotedpath, "live_set view detail_clip");
  assert.equal(live.readClip(api(fake), "selected").kind, "drums");
  fake.selected = [0, 0];
  assert.equal(live.readClip(api(fake), "selected").kind, "notes");
  assert.deepEqual(fake.console, [], "nothing the Live API would complain about");
});

test("#10 readClip reads the region the producer hears: the loop (a moved loop start), or start to end marker", () => {
  const fake = set();
  const tune = [0, 2, 4, 6, 8, 10].map((t, k) => ({ pitch: 60 + k, start: t, duration: 1, velocity: 100 }));
  fake.putClip(0, 1, 4, tune, "Looped late", { loop_start: 4, loop_end: 8, start_marker: 2 });
  const looped = live.readClip(api(fake), { track: 0, scene: 1 });
  assert.equal(looped.length, 4);
  assert.deepEqual(looped.notes.map((n) => [n.pitch, n.start]), [[62, 0], [63, 2]], "bars 2 of the clip, from 0");
  fake.putClip(0, 2, 4, tune, "One shot", { looping: 0, loop_start: 0, loop_end: 12, start_marker: 6, end_marker: 12 });
  const shot = live.readClip(api(fake), { track: 0, scene: 2 });
  assert.equal(shot.length, 6);
  assert.deepEqual(shot.notes.map((n) => [n.pitch, n.start]), [[63, 0], [64, 2], [65, 4]]);
  assert.deepEqual(fake.console, []);
});

test("writeClip writes into an empty slot only, never from a notification, and as Live will keep it", () => {
  const fake = set();
  assert.deepEqual(live.emptySlots(api(fake), 0, 8, 0), [1, 2, 3]);
  const list = [{ pitch: 67, start: 0.5, duration: 0.5, velocity: 80 }];
  assert.throws(() => live.writeClip(api(fake), 0, 0, 4, list, "x"), /not empty/);
  assert.throws(() => fake.notify(() => live.writeClip(api(fake), 0, 1, 4, list, "x")), { message: NOTIFY_ERROR });
  assert.equal(fake.tracks[0].slots[1], null);
  live.writeClip(api(fake), 0, 1, 4, list, "Segue A\u2192B 1/2");
  assert.equal(fake.api("live_set tracks 0 clip_slots 1 clip").get("name")[0], "Segue A\u2192B 1/2");
  assert.equal(fake.api("live_set tracks 0 clip_slots 1 clip").get("length")[0], 4);
  assert.deepEqual(live.readClip(api(fake), { track: 0, scene: 1 }).notes, list);
  assert.equal(fake.tracks[0].slots[0].notes.length, 2, "the user's clip is untouched");
  // same-pitch overlaps: Live would cut the first note; the device writes what Live keeps
  const overlapping = [{ pitch: 60, start: 0, duration: 2, velocity: 90 }, { pitch: 60, start: 1, duration: 1, velocity: 80 },
                       { pitch: 64, start: 0, duration: 4, velocity: 70 }];
  live.writeClip(api(fake), 0, 2, 4, overlapping, "overlaps");
  const back = live.readClip(api(fake), { track: 0, scene: 2 }).notes;
  assert.deepEqual(back, notes.trimOverlaps(overlapping));
  assert.deepEqual(back.map((n) => [n.pitch, n.start, n.duration]), [[60, 0, 1], [64, 0, 4], [60, 1, 1]]);
});

test("the fake answers as Live does: string ids, canonical_parent, types, observers, unknown properties, threads", () => {
  const fake = set();
  const clip = fake.api("live_set tracks 0 clip_slots 0 clip");
  assert.equal(typeof clip.id, "string");
  assert.equal(fake.api("live_set tracks 0 clip_slots 3 clip").id, "0");
  assert.equal(clip.type, "Clip");
  assert.equal(fake.api("live_set tracks 0 clip_slots 0 clip canonical_parent").type, "ClipSlot");
  assert.equal(fake.api("this_device canonical_parent").unquotedpath, "live_set tracks 0");
  assert.equal(fake.api("live_set tracks 1").id, fake.api("live_set tracks 1 devices 0 canonical_parent").id);
  // reading a property an object lacks prints an error and answers nothing; it does not throw
  assert.deepEqual(clip.get("no_such_property"), []);
  assert.equal(fake.console.length, 1);
  // an observer hears the value at once and every change, inside a notification
  const heard = [];
  const o = fake.api("live_set", function (args) { heard.push([args, fake.inNotification]); });
  o.property = "tempo";
  fake.songChange({ tempo: 97 });
  assert.deepEqual(heard, [[["tempo", 120], 1], [["tempo", 97], 1]]);
  // the Live API from Max's high-priority thread throws
  assert.throws(() => fake.onHigh(() => fake.api("live_set").get("tempo")), { message: HIGH_ERROR });
  const song = fake.api("live_set");
  assert.throws(() => fake.onHigh(() => song.get("tempo")), { message: HIGH_ERROR });
});

test("the song: its state and key read once, the key's snapping, the device's own track", () => {
  const fake = set();
  fake.song.is_playing = 1; fake.song.tempo = 97; fake.song.loop = 1; fake.song.loop_start = 8; fake.song.loop_length = 4;
  assert.deepEqual(live.songState(api(fake)), { playing: true, tempo: 97, num: 4, den: 4, loop: true, loopStart: 8,
                                                 loopLength: 4 });
  fake.song.root_note = 2; fake.song.scale_name = "Dorian";
  assert.deepEqual(live.songSnap(live.songKey(api(fake))), { root: -1, scale: null }, "Scale Mode off");
  fake.song.scale_mode = 1;
  assert.deepEqual(live.songSnap(live.songKey(api(fake))), { root: 2, scale: "dorian" });
  fake.song.scale_name = "Minor Blues";
  assert.deepEqual(live.songSnap(live.songKey(api(fake))), { root: 2, scale: "blues" });
  fake.song.scale_name = "Hirajoshi";
  assert.deepEqual(live.songSnap(live.songKey(api(fake))), { root: -1, scale: null });
  fake.deviceTrack = 1;
  assert.equal(live.ownTrack(api(fake)), 1);
});
