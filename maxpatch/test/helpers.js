// Test helpers: an env for the Device backed by the fake Live set, a fake clock and a message log;
// with opts.net and opts.engine (fake_engine.js) its datagrams travel as the real ones do.
"use strict";
const { Registry } = require("../js/device");

let sources = 0;

function makeStore() {
  const d = {};
  return { get: (k) => d[k], set: (k, v) => { d[k] = v; }, data: d };
}

function makeEnv(fake, opts) {
  opts = opts || {};
  const net = opts.net;
  const env = {
    sent: [], notes: [], timed: [], cancels: 0, statuses: [], listening: [], deferred: [], clock: 0,
    store: opts.store || makeStore(),
    registry: opts.registry || new Registry(),
    source: opts.source || "127.0.0.1:" + (50000 + sources++), // its [udpsend]'s socket
    receiver: null, // (address, args) -> the device, set by the rig
    send: (m) => { env.sent.push(m); if (opts.engine) opts.engine.handle(m, env.source); if (opts.onSend) opts.onSend(m); },
    listen: (p) => {
      env.listening.push(p);
      if (!net) return;
      if (env.bound !== undefined) net.unbind(env.bound, env.deliver);
      env.bound = net.bind(p, env.deliver) ? p : undefined; // a port held elsewhere: nothing arrives
    },
    // replies reach the device as [udpreceive @defer 1] hands them over: on the low-priority thread
    deliver: (address, args) => { if (env.receiver) env.receiver(address, args); },
    probe: net ? (port, msg) => net.send(port, msg) : undefined,
    output: (p, v, d) => { env.notes.push([p, v]); env.timed.push([p, v, Math.round(d * 1000) / 1000]); },
    cancel: () => { env.cancels++; },
    status: (t) => { env.statuses.push(t); },
    api: (path) => (path === "live_set" ? env.song || (env.song = fake.api(path)) : fake.api(path)), // as segue.js
    observe: (path, prop, fn) => { const o = fake.api(path, fn); o.property = prop; },
    defer: opts.defer || ((fn) => { env.deferred.push(fn); }),
    now: () => env.clock,
    track: () => fake.deviceTrack,
    random: opts.random,
    lookaheadMs: opts.lookaheadMs,
    lateDropMs: opts.lateDropMs,
    clockWindowMs: opts.clockWindowMs,
    runDeferred: () => { const q = env.deferred; env.deferred = []; q.forEach((f) => f()); },
  };
  return env;
}

// A seeded generator (mulberry32), so simulations repeat exactly.
function rng(seed) {
  return function () {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

module.exports = { makeEnv, makeStore, rng };
