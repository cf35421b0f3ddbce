// Test helpers: an env for the Device backed by the fake Live set, a fake clock and a message log.
"use strict";
var device = require("../js/device");

function makeEnv(fake, opts) {
  opts = opts || {};
  var env = {
    sent: [], notes: [], timed: [], cancels: 0, statuses: [], listening: [], deferred: [], clock: 0,
    store: opts.store || (function () { var d = {}; return { get: function (k) { return d[k]; },
                                                           set: function (k, v) { d[k] = v; }, data: d }; })(),
    ports: opts.ports || new device.PortRegistry(),
    send: function (m) { env.sent.push(m); if (opts.onSend) opts.onSend(m); },
    listen: function (p) { env.listening.push(p); },
    output: function (p, v, d) { env.notes.push([p, v]); env.timed.push([p, v, Math.round(d * 1000) / 1000]); },
    cancel: function () { env.cancels++; },
    status: function (t) { env.statuses.push(t); },
    api: function (path) { return fake.api(path); },
    defer: opts.defer || function (fn) { env.deferred.push(fn); },
    now: function () { return env.clock; },
    track: function () { return fake.deviceTrack; },
    random: opts.random,
    runDeferred: function () { var q = env.deferred; env.deferred = []; q.forEach(function (f) { f(); }); },
  };
  return env;
}

module.exports = { makeEnv: makeEnv };
