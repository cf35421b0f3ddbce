// A scripted engine for the device's unit tests, routing its answers the way engine/osc_server.py
// does, over a fake loopback network:
// - a packet's sender is its source address (Max's [udpsend] socket), not its reply port: replies
//   go to the reply port of the sender's session, else to the reply port its last hello named
//   (kept across a restart), else to the source address, which nobody reads (lost);
// - /segue/hello for an instance whose client spoke from another source in the last 5 s is refused
//   with "instance in use" (sent to the refused hello's reply port);
// - any other request from a sender without a session gets "no session" (ping is answered anyway).
// Net delivers datagrams to whoever bound the port; a port held by "another program" swallows them.
"use strict";
const { BAR_BEGIN } = require("../js/protocol");

const LIVE_MS = 5000;

class Net {
  constructor() { this.queue = []; this.bound = {}; this.foreign = {}; this.sent = 0; }
  // Bind port for handler(address, args); false (and nothing bound) when another program holds it.
  bind(port, handler) {
    if (this.foreign[port] || this.bound[port]) return false;
    this.bound[port] = handler;
    return true;
  }
  unbind(port, handler) { if (this.bound[port] === handler) delete this.bound[port]; }
  send(port, msg) { this.sent++; this.queue.push([port, msg]); }
  // Deliver everything queued (and what the deliveries queue); lose(port, msg) -> true drops one.
  pump(lose) {
    let n = 0;
    while (this.queue.length && n++ < 100000) {
      const [port, msg] = this.queue.shift();
      if (lose && lose(port, msg)) continue;
      const h = this.bound[port];
      if (h) h(msg[0], msg.slice(1));
    }
  }
}

// The models the fake offers: what /segue/model/info and /segue/model/unavailable say of each (in the
// engine's words, engine/api.py unavailable). "tiny" is a melody model with no capability.
const MELODY_REASONS = (name) => ({
  groove: "Groove needs a GrooVAE humanize model (segue models pull groovae_2bar_humanize); " + name + " is a melody model",
  drumify: "Drumify needs a GrooVAE tap model (segue models pull tap2drum_2bar); " + name + " is a melody model",
  chords: name + " takes no chords (a chord model does: mel_chords, multitrack_chords); a progression already set is kept for one",
});
const ATTRIBUTES = ["note_density", "c_diatonic", "average_interval", "syncopation_16th", "syncopation_8th"];
const MODELS = {
  tiny: { kind: "melody", caps: "", weak: "", unavailable: MELODY_REASONS("tiny") },
  weaky: { kind: "melody", caps: "", weak: "average_interval,syncopation_8th", unavailable: MELODY_REASONS("weaky") },
  grooveh: { kind: "groove", caps: "groove,velocity,timing", weak: "", unavailable: {
    drumify: "Drumify needs a GrooVAE tap model (segue models pull tap2drum_2bar); grooveh is a GrooVAE humanize model",
    chords: "grooveh takes no chords (a chord model does: mel_chords, multitrack_chords); a progression already set is kept for one",
    ...Object.fromEntries(ATTRIBUTES.map((k) => [k, "grooveh has no attribute vector for " + k + ": the knob does nothing on it"])) } },
  groovet: { kind: "groove", caps: "drumify,velocity,timing", weak: "", unavailable: {
    groove: "Groove needs a GrooVAE humanize model (segue models pull groovae_2bar_humanize); groovet is a GrooVAE tap model",
    chords: "groovet takes no chords (a chord model does: mel_chords, multitrack_chords); a progression already set is kept for one" } },
  chordmel: { kind: "melody", caps: "chords", weak: "", unavailable: {
    groove: MELODY_REASONS("chordmel").groove, drumify: MELODY_REASONS("chordmel").drumify } },
};

class FakeEngine {
  constructor(net, opts = {}) {
    this.net = net;
    this.kind = opts.kind || "melody";
    this.models = opts.models || MODELS;
    this.oldInfo = !!opts.oldInfo; // an engine before capabilities and weak knobs: /segue/model/info ends at licence
    this.now = opts.now || (() => 0);
    this.alive = true;
    this.replyPorts = {}; // source -> reply port named by its last hello (kept across restarts)
    this.restart();
    this.log = []; // every request: [source, address, ...args]
    this.grooves = []; // every Groove and Drumify done: [action, clip, amount, temperature]
    this.heldTools = []; // tool answers waiting (holdTools)
  }
  restart() { // a fresh engine: no clients, no sessions
    this.clients = {};  // instance -> {source, port, heard}
    this.byAddr = {};   // source -> instance
    this.sessions = {}; // instance -> {uploads, bars, version}
    this.version = 0;
  }
  target(source) {
    const inst = this.byAddr[source];
    if (inst && this.clients[inst]) return this.clients[inst].port;
    return this.replyPorts[source] === undefined ? null : this.replyPorts[source];
  }
  to(port, ...msg) { if (port !== null) this.net.send(port, msg); }
  handle(msg, source) {
    if (!this.alive) return;
    this.log.push([source, ...msg]);
    const [addr, rid, ...a] = msg;
    const inst = this.byAddr[source];
    if (inst && this.clients[inst]) this.clients[inst].heard = this.now();
    if (addr === "/segue/hello") return this.hello(rid, a, source);
    const port = this.target(source);
    if (addr === "/segue/ping") return this.to(port, "/segue/pong", rid, 1.0);
    if (!inst || !this.clients[inst]) {
      return this.to(port, "/segue/error", rid, addr, "no session: send /segue/hello first (then " + addr + ")");
    }
    const s = this.sessions[inst];
    const r = (...x) => this.to(port, x[0], ...x.slice(1));
    if (addr === "/segue/hello/confirm") {
      if (a[0] !== this.clients[inst].token) return r("/segue/error", rid, addr, "wrong token");
      this.clients[inst].confirmed = true;
      return r(addr, rid);
    }
    const m = this.models[s.model] || MODELS.tiny;
    if (this.oldInfo && (addr === "/segue/model/unavailable" || addr === "/segue/chords/get")) {
      return r("/segue/error", rid, addr, "unknown address '" + addr + "'");
    }
    if (addr === "/segue/model/info") {
      if (this.oldInfo) r("/segue/model/info", rid, "tiny", this.kind, 2, 8, 0, "cpu", "CC-BY-4.0");
      else r("/segue/model/info", rid, s.model, m.kind === "melody" ? this.kind : m.kind, 2, 8, 0, "cpu", "CC-BY-4.0",
             s.model, m.caps, m.weak);
    } else if (addr === "/segue/model/list") r("/segue/model/list", rid, ...Object.keys(this.models));
    else if (addr === "/segue/model/choose") {
      if (!this.models[a[0]]) return r("/segue/error", rid, addr, "unknown model " + a[0]);
      s.model = a[0];
      r(addr, rid, a[0]);
    } else if (addr === "/segue/model/unavailable") r(addr, rid, ...Object.entries(m.unavailable).flat());
    else if (addr === "/segue/chords/set" || addr === "/segue/chords/from_clip") {
      const text = addr === "/segue/chords/set" ? a[0] : (s.uploads[a[0]] ? "Am G" : null);
      if (text === null) return r("/segue/error", rid, addr, "no clip '" + a[0] + "' was uploaded");
      const bad = text.split(/\s+/).find((c) => c && c !== "|" && !/^[A-G]/.test(c));
      if (bad) return r("/segue/error", rid, addr, "chord '" + bad + "' has no root: start with a note name A-G");
      s.chords = text.trim().split(/\s+/).filter(Boolean).join(" ");
      r(addr, rid, s.chords, ++this.version);
    } else if (addr === "/segue/chords/get") r(addr, rid, s.chords, this.version);
    else if (addr === "/segue/clip/groove" || addr === "/segue/clip/drumify") {
      const action = addr.split("/").pop();
      if (m.unavailable[action]) return r("/segue/error", rid, addr, action + " needs a GrooVAE model");
      if (!this.clients[inst].confirmed) return r("/segue/error", rid, addr, "confirm the hello first");
      const up = s.uploads[a[0]];
      if (!up) return r("/segue/error", rid, addr, "no clip '" + a[0] + "' was uploaded");
      this.grooves.push([action, ...a]);
      const list = [];
      for (let k = 0; k + 3 < up.notes.length; k += 4) {
        list.push({ pitch: action === "drumify" ? [36, 42][(k / 4) % 2] : up.notes[k], start: up.notes[k + 1] + 0.02,
                    duration: up.notes[k + 2], velocity: Math.max(1, up.notes[k + 3] - 7) });
      }
      const chunks = [];
      for (let k = 0; k < Math.max(list.length, 1); k += 2) chunks.push(list.slice(k, k + 2));
      r("/segue/clip/result/begin", rid, a[0], list.length, Math.ceil(up.length / 4) * 4);
      chunks.forEach((group, seq) => r("/segue/clip/result/notes", rid, seq,
        ...group.flatMap((n) => [n.pitch, n.start, n.duration, n.velocity])));
      r("/segue/clip/result/end", rid, chunks.length);
    }
    else if (addr === "/segue/clip/begin") { s.uploads[a[0]] = { notes: [], kind: a[3], length: a[2] }; r("/segue/clip/ack", rid, a[0], -1); }
    else if (addr === "/segue/clip/notes") { s.uploads[a[0]].notes.push(...a.slice(2)); r("/segue/clip/ack", rid, a[0], a[1]); }
    else if (addr === "/segue/clip/end") r("/segue/clip/ack", rid, a[0], -2);
    else if (addr === "/segue/slot/encode") r("/segue/slot/encode", rid, a[0], 1, 2, 2);
    else if (addr.startsWith("/segue/knob/set/")) { s.knobs[addr.split("/").pop()] = a[0]; r(addr, rid, a[0], ++this.version); }
    else if (addr === "/segue/render") {
      r("/segue/render/begin", rid, a[0], 2);
      for (let k = 0; k < a[0]; k++) r("/segue/render/notes", rid, k, 0, 60 + k, 0, 1, 100, 64, 4, 2, 90);
      r("/segue/render/end", rid, ...Array.from({ length: a[0] }, () => 1)); // one chunk a step
    } else if (addr === "/segue/bar/request") {
      s.requests.push(a[0]);
      if (s.bars[a[0]]) this.pushBar(inst, a[0], s.bars[a[0]].version, s.bars[a[0]].notes);
    } else if (addr === "/segue/transport/set") { s.transport = a; r(addr, rid); }
    else if (addr === "/segue/tool/targets") r(addr, rid, ...(this.targets || []).flat());
    else if (addr.startsWith("/segue/tool/")) {
      if (!this.clients[inst].confirmed) return r("/segue/error", rid, addr, "confirm the hello first");
      const job = () => this.toolAnswer(s, rid, addr.slice("/segue/tool/".length), a, r);
      if (this.holdTools) this.heldTools.push(job); else job();
    } else r(addr, rid);
  }
  // A MIDI Tool's operation: `toolFn(op, args, uploads)` -> {notes, length, message} or {error}; by
  // default the uploaded range a semitone up (sample: one note a beat). Results in chunks of 2 notes;
  // with holdTools set they wait in heldTools until the test runs them (an engine that takes its time).
  toolAnswer(s, rid, op, a, r) {
    const uploads = {};
    for (const [name, u] of Object.entries(s.uploads)) {
      const list = [];
      for (let k = 0; k + 3 < u.notes.length; k += 4) {
        list.push({ pitch: u.notes[k], start: u.notes[k + 1], duration: u.notes[k + 2], velocity: u.notes[k + 3] });
      }
      uploads[name] = { notes: list, length: u.length, kind: u.kind };
    }
    const out = (this.toolFn || defaultTool)(op, a, uploads);
    if (out.error) return r("/segue/error", rid, "/segue/tool/" + op, out.error);
    const chunks = [];
    for (let k = 0; k < Math.max(out.notes.length, 1); k += 2) chunks.push(out.notes.slice(k, k + 2));
    r("/segue/tool/result/begin", rid, out.notes.length, out.length, out.message || "");
    chunks.forEach((group, seq) => r("/segue/tool/result/notes", rid, seq,
      ...group.flatMap((n) => [n.pitch, n.start, n.duration, n.velocity])));
    r("/segue/tool/result/end", rid, chunks.length);
  }
  hello(rid, a, source) {
    const [instance, replyPort] = a;
    this.replyPorts[source] = replyPort;
    const c = this.clients[instance];
    if (c && c.source !== source && this.now() - c.heard < LIVE_MS) {
      return this.to(replyPort, "/segue/error", rid, "/segue/hello",
                     "instance in use: '" + instance + "' belongs to another client that is still talking");
    }
    for (const k of Object.keys(this.byAddr)) if (this.byAddr[k] === instance) delete this.byAddr[k];
    this.byAddr[source] = instance;
    const resumed = this.sessions[instance] ? 1 : 0;
    const token = (this.tokens = (this.tokens || 0) + 1);
    this.clients[instance] = { source, port: replyPort, heard: this.now(), token, confirmed: false };
    this.sessions[instance] = this.sessions[instance] ||
      { uploads: {}, knobs: {}, bars: {}, requests: [], transport: null, model: "tiny", chords: "" };
    this.to(replyPort, "/segue/hello", rid, instance, resumed, "0.1", "tiny", "cpu", "CC-BY-4.0", token);
  }
  // Push a bar to the instance's reply port as the engine does: begin, note chunks (2 notes each),
  // end. opts.skip: indexes of datagrams (0 = begin) not to send, as if lost.
  pushBar(instance, bar, version, notes, opts = {}) {
    const s = this.sessions[instance], c = this.clients[instance];
    if (s) s.bars[bar] = { version, notes };
    if (!c || !c.confirmed) return; // nothing unasked before the hello is confirmed
    const chunks = [];
    for (let k = 0; k < Math.max(notes.length, 1); k += 2) chunks.push(notes.slice(k, k + 2));
    const head = { bar, version, notes: notes.length, chunks: chunks.length, morph: 0, temperature: 0.5, seed: 0 };
    const msgs = [["/segue/bar/begin", ...BAR_BEGIN.map((f) => head[f] || 0)]];
    chunks.forEach((group, seq) => msgs.push(["/segue/bar/notes", bar, version, seq,
      ...group.flatMap((n) => [n.pitch, n.start, n.duration, n.velocity])]));
    msgs.push(["/segue/bar/end", bar, version]);
    msgs.forEach((m, k) => { if (!(opts.skip || []).includes(k)) this.net.send(c.port, m); });
  }
}

function defaultTool(op, a, uploads) {
  if (op === "sample" || op === "between") {
    const length = a[0];
    return { notes: Array.from({ length: Math.floor(length) }, (_, k) => ({ pitch: 60 + k, start: k, duration: 0.5, velocity: 90 })),
             length };
  }
  const src = uploads["tool-in"];
  return { notes: src.notes.map((n) => ({ ...n, pitch: n.pitch + 1 })), length: src.length };
}

module.exports = { Net, FakeEngine, MODELS };
