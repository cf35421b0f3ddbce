// A simulated Live transport driving the device's real code (maxpatch/js/device.js) against the
// fake Live set, with what makes timing hard in Max:
// - ticks are asked for every tickMs but run late by a drawn amount (Max's low-priority thread shares
//   its time with the UI and the Live API): 0-2 ms 90 % of the time, 2-15 ms 9 %, 15-60 ms 1 %;
// - stalls: now and then (stallEvery seconds on average) the thread stops for 100-300 ms, and the
//   ticks that queued meanwhile run back to back (a burst);
// - the song position a tick carries ("when": Max's Live-synced transport, [qmetro] -> [when]) was
//   taken when the tick was due, not when it runs: stale by the tick's lateness, bursts included,
//   and it moves in steps of one audio buffer (128 samples at 44.1 kHz);
// - or ("liveapi") ticks carry no position and the device reads current_song_time, which Live
//   updates only every 10-30 ms, a few ms after the fact.
// Is_playing comes from an observer whose notification arrives observerMs after Play.
// A note is taken as fired at the time the device told the scheduler ([pipe]) to fire it; its error
// is that time minus its exact time on Live's timeline (notes are told apart by their "pitch": an
// index). Not simulated: the scheduler's own grain and Live's MIDI output latency.
"use strict";
const { Device } = require("../js/device");
const { FakeLive } = require("./fake_live");
const { makeEnv, rng } = require("./helpers");

const BUFFER_MS = 128 / 44.1;

function lateness(random) {
  const u = random();
  if (u < 0.9) return random() * 2;
  if (u < 0.99) return 2 + random() * 13;
  return 15 + random() * 45;
}

function simulate(opts = {}) {
  const seconds = opts.seconds || 60, tempo = opts.tempo || 120, tickMs = opts.tickMs || 5;
  const source = opts.source || "when", stallEvery = opts.stallEvery === undefined ? 5 : opts.stallEvery;
  const observerMs = opts.observerMs === undefined ? 10 : opts.observerMs;
  const random = rng(opts.seed || 1);
  const fake = new FakeLive({ scenes: 2 });
  fake.addTrack("Keys");
  fake.song.tempo = tempo;
  let clock = 0;
  const fired = []; // [index, velocity, time]
  const env = makeEnv(fake, { lookaheadMs: opts.lookaheadMs, lateDropMs: opts.lateDropMs,
                              clockWindowMs: opts.clockWindowMs });
  env.now = () => clock;
  env.output = (p, v, d) => fired.push([p, v, clock + (d || 0)]);
  env.store.set("instance", "segue-bench00000000");
  const dev = new Device(env);
  dev.start();
  dev.state = "connected"; // no engine: bars are handed to the device directly
  dev.lastHeard = Infinity;
  const msPerBeat = 60000 / tempo;
  const bars = Math.ceil((seconds * 1000) / msPerBeat / 4) + 2;
  const exact = [];
  for (let b = 0; b < bars; b++) { // sixteenths with a swing of odd offsets, one note each
    const list = [];
    for (let k = 0; k < 16; k++) {
      const start = k * 0.25 + (k % 2 ? 0.0625 * random() : 0);
      list.push({ pitch: exact.length, start: start, duration: 0.2, velocity: 90 });
      exact.push(b * 4 + start);
    }
    dev.queue.offer(b, 1, list);
  }
  const beatAt = (ms) => Math.max(0, ms) / msPerBeat;
  const opsBefore = fake.ops;
  // Live's current_song_time, as the Live API would answer it: updated every 10-30 ms, 0-5 ms late
  let nextUpdate = 0;
  const liveUpdate = (now) => {
    while (nextUpdate <= now) {
      fake.song.current_song_time = beatAt(nextUpdate - random() * 5);
      nextUpdate += 10 + random() * 20;
    }
  };
  let started = false, due = 0, done = 0, stallUntil = -1;
  const end = seconds * 1000;
  while (due < end) {
    due += tickMs;
    let run = Math.max(done, due + lateness(random));
    if (run >= stallUntil && stallEvery > 0 && random() < tickMs / (stallEvery * 1000)) {
      stallUntil = run + 100 + random() * 200; // the thread stops; queued ticks run at its end
    }
    if (run < stallUntil) run = stallUntil;
    done = run;
    clock = run;
    if (!started && clock >= observerMs) { // Live started at 0; its notification comes now
      started = true;
      fake.songChange({ is_playing: 1 });
    }
    if (source === "when") dev.tick(Math.floor(beatAt(due) * msPerBeat / BUFFER_MS) * BUFFER_MS / msPerBeat);
    else { liveUpdate(clock); dev.tick(); }
  }
  const ons = fired.filter((f) => f[1] > 0);
  const errors = ons.map((f) => f[2] - exact[f[0]] * msPerBeat);
  const heard = new Set(ons.map((f) => f[0]));
  const expected = exact.filter((at) => at * msPerBeat < clock - 100).length;
  return { errors, dropped: dev.player.dropped, notes: expected, missed: expected - heard.size,
           opsPerSecond: (fake.ops - opsBefore) / seconds, seconds, tempo };
}

function quantile(sorted, q) { return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : 0; }

function summary(result) {
  const abs = result.errors.map(Math.abs).sort((a, b) => a - b);
  return { notes: result.notes, played: result.errors.length, dropped: result.dropped, missed: result.missed,
           p50: quantile(abs, 0.5), p99: quantile(abs, 0.99), max: abs.length ? abs[abs.length - 1] : 0,
           lateOver1: result.errors.filter((e) => e > 1).length, opsPerSecond: result.opsPerSecond };
}

module.exports = { simulate, summary, quantile };
