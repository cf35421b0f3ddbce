// Shared by the end-to-end scripts: a device controller wired to real UDP sockets (one to send,
// a separate one to receive, as [udpsend] and [udpreceive] are, plus its port probe sent from the
// send socket) and to the fake Live set, and a song transport that moves in real time.
"use strict";
const dgram = require("node:dgram");
const { Device, Registry } = require("../js/device");
const { Tool } = require("../js/tool");
const { wire } = require("./fake_miditool");
const { encode, decode } = require("./osc_codec");

// Live's transport: the song position in beats now, as Max's [when] would give it.
function transport(fake) {
  const t = { playing: false, at: 0, from: 0 };
  t.beat = () => (t.playing ? t.from + (Date.now() - t.at) / 60000 * fake.song.tempo : t.from);
  t.play = () => { t.at = Date.now(); t.playing = true; fake.songChange({ is_playing: 1 }); };
  t.stop = () => { t.from = t.beat(); t.playing = false; fake.songChange({ is_playing: 0, current_song_time: t.from }); };
  return t;
}

// The UDP side of a controller: a send socket (to the engine, and its port probe) and a receive
// socket, bound afresh on each listen(port), that hands every message to receive(address, args).
function udp(enginePort, receive) {
  const sender = dgram.createSocket("udp4");
  sender.bind(0, "127.0.0.1");
  let receiver = null;
  return {
    send: (m) => sender.send(encode(m), enginePort, "127.0.0.1"),
    probe: (port, m) => sender.send(encode(m), port, "127.0.0.1"),
    listen: (port) => {
      if (receiver) receiver.close();
      receiver = dgram.createSocket("udp4");
      receiver.on("error", () => {}); // a port in use: our probe never comes back, and the device moves on
      // replies arrive as [udpreceive @defer 1] hands them over: on the low-priority thread
      receiver.on("message", (buf) => { for (const [address, args] of decode(buf)) receive(address, args); });
      receiver.bind(port, "127.0.0.1");
    },
    close: () => { sender.close(); if (receiver) receiver.close(); },
  };
}

// A [pattr]'s store in memory, for a controller the caller gives none.
function memoryStore() {
  const data = {};
  return { get: (k) => data[k], set: (k, v) => { data[k] = v; } };
}

function makeDevice({ fake, registry, enginePort, started, track, store }) {
  const events = [];
  const link = udp(enginePort, (address, args) => dev.receive(address, args));
  const notes = [];
  let song = null;
  const env = {
    send: link.send,
    probe: link.probe,
    listen: link.listen,
    output: (p, v, d) => notes.push([p, v, Date.now() - started + (d || 0)]),
    status: () => {},
    api: (path) => (path === "live_set" ? song || (song = fake.api(path)) : fake.api(path)),
    observe: (path, prop, fn) => { const o = fake.api(path, fn); o.property = prop; },
    defer: (fn) => setImmediate(fn),
    store: store || memoryStore(), registry: registry || new Registry(), now: () => Date.now() - started,
    track: () => track,
    ui: (name, attr, value) => { (boxes[name] = boxes[name] || {})[attr] = value; }, // as [thispatcher] sets them
  };
  const boxes = {};
  const dev = new Device(env);
  dev.onEvent = (name, detail) => events.push([name, detail, Date.now() - started]);
  return { dev, env, events, notes, boxes, close: link.close };
}

// A MIDI Tool (tool.js) on real UDP sockets, wired to a fake apply cycle (fake_miditool.js) and the
// fake Live set; its reapply() goes through the event loop, as through Max's [deferlow].
function makeTool({ fake, registry, enginePort, started, kind, midi, store }) {
  const events = [];
  const link = udp(enginePort, (address, args) => tool.receive(address, args));
  const lines = [];
  const sent = [];
  const env = {
    send: (m) => { sent.push(m); link.send(m); },
    probe: link.probe,
    listen: link.listen,
    status: () => {},
    lines: (...l) => lines.push(l),
    api: (path) => fake.api(path),
    observe: (path, prop, fn) => { const o = fake.api(path, fn); o.property = prop; },
    store: store || memoryStore(), registry: registry || new Registry(), now: () => Date.now() - started,
  };
  const tool = new Tool(env, kind);
  tool.onEvent = (name, detail) => events.push([name, detail, Date.now() - started]);
  wire(midi, tool);
  return { tool, env, events, lines, sent, midi, close: link.close };
}

const wait = (pred, ms, what) => new Promise((resolve, reject) => {
  const t0 = Date.now();
  const poll = setInterval(() => {
    if (pred()) { clearInterval(poll); resolve(); }
    else if (Date.now() - t0 > ms) { clearInterval(poll); reject(new Error("timed out waiting for " + what)); }
  }, 10);
});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const has = (d, name) => d.events.some((e) => e[0] === name);
const count = (d, name) => d.events.filter((e) => e[0] === name).length;

module.exports = { makeDevice, makeTool, transport, wait, sleep, has, count };
