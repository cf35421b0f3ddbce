// How early or late the device's notes reach the MIDI output when Live's song position reaches the
// device's JavaScript stale, jittery and in bursts.
//
//     node bench/bench_device_timing.js [--seconds 120] [--tempo 120] [--seed 1] [--json]
//
// A simulation, run through the device's real code (maxpatch/js/device.js) against the fake Live
// set by maxpatch/test/transport_sim.js (its header says what is modelled: late ticks, 100-300 ms
// stalls whose queued ticks run back to back, positions taken when a tick was due rather than when
// it ran, moving in audio-buffer steps, or Live's current_song_time updated every 10-30 ms).
// Rows, each source of the song position two ways:
// - the device as it is: an estimate of the playhead from the freshest readings (a clock that
//   stale readings cannot pull back), notes handed to [pipe] 60 ms ahead, notes that would sound
//   more than 10 ms late dropped instead of played in a clump;
// - "trusting each reading": every reading taken as the playhead now, late notes played at once
//   (how the device worked before).
// Not simulated: the scheduler's own grain (one audio buffer) and Live's MIDI output latency.
"use strict";
const path = require("node:path");
const { simulate, summary } = require(path.join(__dirname, "..", "maxpatch", "test", "transport_sim"));
const { LOOKAHEAD_MS, LATE_DROP_MS } = require(path.join(__dirname, "..", "maxpatch", "js", "device"));

function arg(name, fallback) {
  const k = process.argv.indexOf("--" + name);
  return k > 0 ? Number(process.argv[k + 1]) : fallback;
}

const seconds = arg("seconds", 120), tempo = arg("tempo", 120), seed = arg("seed", 1);
const rows = [];
for (const [source, what] of [["when", "Max transport ([qmetro] -> [when])"], ["liveapi", "Live API current_song_time"]]) {
  for (const [how, opts] of [["device", {}], ["trusting each reading", { clockWindowMs: 0, lateDropMs: Infinity }]]) {
    rows.push({ source: what, how, ...summary(simulate({ seconds, tempo, seed, source, ...opts })) });
  }
}
if (process.argv.includes("--json")) {
  process.stdout.write(JSON.stringify({ seconds, tempo, seed, rows }) + "\n");
} else {
  console.log(`| song position (${tempo} BPM, ${seconds} s, stalls of 100-300 ms) | device | notes | played | ` +
              "dropped | error p50 | p99 | max | late by > 1 ms | LiveAPI ops/s |");
  console.log("|---|---|---|---|---|---|---|---|---|---|");
  for (const r of rows) {
    console.log(`| ${r.source} | ${r.how === "device" ? `now (lookahead ${LOOKAHEAD_MS} ms, drop > ${LATE_DROP_MS} ms)`
                                                      : r.how} | ${r.notes} | ${r.played} | ${r.dropped} | ` +
                `${r.p50.toFixed(2)} ms | ${r.p99.toFixed(2)} ms | ${r.max.toFixed(2)} ms | ${r.lateOver1} | ` +
                `${r.opsPerSecond.toFixed(0)} |`);
  }
}
