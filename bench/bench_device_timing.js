// How early or late the device's notes reach the MIDI output when Max's JavaScript thread runs late.
//
//     node bench/bench_device_timing.js [--seconds 120] [--tempo 120] [--seed 1]
//
// A simulation, run through the device's real code (maxpatch/js/device.js) against the fake Live
// set: the [v8] tick is asked for every 5 ms but runs late by a drawn amount (the JS thread shares
// Max's low-priority queue with the UI and the Live API). Each note is fired at the time the
// scheduler is told (tick time + its delay), as [pipe] on Max's high-priority scheduler would; the
// error is that time minus the note's exact time on Live's timeline. Two runs side by side: the
// device as it is (notes handed over LOOKAHEAD_MS ahead, fired by the scheduler) and with no
// lookahead (each note sent when a tick finds it due: how the device worked before).
// Not simulated: the scheduler's own grain (one audio buffer) and Live's MIDI output latency.
"use strict";
const path = require("node:path");
const { Device, LOOKAHEAD_MS } = require(path.join(__dirname, "..", "maxpatch", "js", "device"));
const { FakeLive } = require(path.join(__dirname, "..", "maxpatch", "test", "fake_live"));

function arg(name, fallback) {
  const k = process.argv.indexOf("--" + name);
  return k > 0 ? Number(process.argv[k + 1]) : fallback;
}

function rng(seed) { // mulberry32: a small seeded generator, so both runs see the same lateness
  return function () {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Lateness of one tick (ms): mostly small, sometimes a UI redraw, rarely a long stall.
function lateness(random) {
  const u = random();
  if (u < 0.9) return random() * 2;
  if (u < 0.99) return 2 + random() * 13;
  return 15 + random() * 45;
}

function run(lookaheadMs, seconds, tempo, seed) {
  const random = rng(seed);
  const fake = new FakeLive({ scenes: 2 });
  fake.addTrack("Keys");
  let clock = 0;
  const fired = []; // [pitch, velocity, time]
  const env = {
    send: () => {}, listen: () => {}, status: () => {}, defer: (fn) => fn(), track: () => 0,
    output: (p, v, d) => fired.push([p, v, clock + (d || 0)]), cancel: () => {},
    api: (p) => fake.api(p), store: { get: () => "bench", set: () => {} },
    ports: { claim: () => 9800, release: () => {} }, now: () => clock, lookaheadMs: lookaheadMs,
  };
  const dev = new Device(env);
  dev.state = "connected"; // no engine: bars are handed to the device directly
  dev.lastHeard = Infinity;
  const msPerBeat = 60000 / tempo;
  const bars = Math.ceil((seconds * 1000) / msPerBeat / 4) + 2;
  if (bars * 16 > 1e6) throw new Error("too long");
  const exact = [];
  for (let b = 0; b < bars; b++) { // sixteenths with a swing of odd offsets, one note each
    const list = [];
    for (let k = 0; k < 16; k++) {
      const start = k * 0.25 + (k % 2 ? 0.0625 * random() : 0);
      list.push({ pitch: exact.length, start: start, duration: 0.2, velocity: 90 }); // "pitch" = its index
      exact.push(b * 4 + start);
    }
    dev.queue.offer(b, 1, list);
  }
  fake.song.is_playing = 1;
  let next = 0;
  while (clock < seconds * 1000) {
    next += 5;
    clock = Math.max(clock, next + lateness(random)); // the tick runs late
    fake.song.current_song_time = clock / msPerBeat;
    dev.tick();
  }
  // each note-on against the exact time of the note it plays (notes are told apart by their index)
  const errors = fired.filter((f) => f[1] > 0).map((f) => f[2] - exact[f[0]] * msPerBeat);
  return { errors: errors, missed: exact.filter((at) => at * msPerBeat < clock - 100).length - errors.length };
}

function quantile(sorted, q) { return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]; }

const seconds = arg("seconds", 120), tempo = arg("tempo", 120), seed = arg("seed", 1);
console.log(`| device note timing (simulated tick lateness, ${tempo} BPM, ${seconds} s) | notes | ` +
            "error p50 | p99 | max | late by > 1 ms |");
console.log("|---|---|---|---|---|---|");
for (const [name, lookahead] of [[`lookahead ${LOOKAHEAD_MS} ms, [pipe]`, LOOKAHEAD_MS], ["no lookahead", 0]]) {
  const { errors, missed } = run(lookahead, seconds, tempo, seed);
  const abs = errors.map(Math.abs).sort((a, b) => a - b);
  const late = errors.filter((e) => e > 1).length;
  console.log(`| ${name} | ${errors.length} (${missed} missed) | ${quantile(abs, 0.5).toFixed(2)} ms | ` +
              `${quantile(abs, 0.99).toFixed(2)} ms | ${abs[abs.length - 1].toFixed(2)} ms | ${late} |`);
}
