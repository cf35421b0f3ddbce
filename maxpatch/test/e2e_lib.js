// Shared by the end-to-end scripts: a device controller wired to real UDP sockets (one to send,
// a separate one to receive, as [udpsend] and [udpreceive] are) and to the fake Live set.
"use strict";
const dgram = require("node:dgram");
const { Device } = require("../js/device");
const { encode, decode } = require("./osc_codec");

function makeDevice({ fake, ports, enginePort, started, track }) {
  const events = [];
  const sender = dgram.createSocket("udp4");
  sender.bind(0, "127.0.0.1");
  let receiver = null;
  const store = {};
  const notes = [];
  const env = {
    send: (m) => sender.send(encode(m), enginePort, "127.0.0.1"),
    listen: (port) => {
      if (receiver) receiver.close();
      receiver = dgram.createSocket("udp4");
      receiver.on("error", () => {}); // a port in use: the device moves on when hello goes unanswered
      // Replies are handled as Live notifications would be: any direct write from them throws.
      receiver.on("message", (buf) => {
        for (const [address, args] of decode(buf)) fake.notify(() => dev.receive(address, args));
      });
      receiver.bind(port, "127.0.0.1");
    },
    output: (p, v) => notes.push([p, v, fake.song.current_song_time]),
    status: () => {},
    api: (path) => fake.api(path),
    defer: (fn) => setImmediate(fn),
    store: { get: (k) => store[k], set: (k, v) => { store[k] = v; } },
    ports, now: () => Date.now() - started, track: () => track,
  };
  const dev = new Device(env);
  dev.onEvent = (name, detail) => events.push([name, detail]);
  return { dev, env, events, notes, close: () => { sender.close(); if (receiver) receiver.close(); } };
}

const wait = (pred, ms, what) => new Promise((resolve, reject) => {
  const t0 = Date.now();
  const poll = setInterval(() => {
    if (pred()) { clearInterval(poll); resolve(); }
    else if (Date.now() - t0 > ms) { clearInterval(poll); reject(new Error("timed out waiting for " + what)); }
  }, 10);
});
const has = (d, name) => d.events.some((e) => e[0] === name);

module.exports = { makeDevice, wait, has };
