// The link to the engine that every Segue device in Live shares: the streaming device (device.js)
// and the MIDI Tools (tool.js). One set of rules for all of them:
// - an instance id saved with the set names the device's session; a copy of a live device (Cmd/Ctrl+D,
//   a preset) takes a new id at once, and an id the engine says is in use elsewhere is asked for again,
//   then given up (the Registry, shared by every Segue device of one Max);
// - a reply port of its own (9800 and up), given up only on evidence: our own probe never came back;
// - hello, the token echoed (/segue/hello/confirm), the model's info and list; a keep-alive that needs
//   the session (an engine that restarted answers "no session": hello again at once); "lost" after
//   LOST_MS of silence, hello again every HELLO_RETRY_MS, whether the engine started before or after;
// - one status line.
// mixin(Proto) gives a controller these methods; init(self, env) its fields. The controller supplies
// the hooks: _starting() (before the first hello), _connected(reconnect, args), _sync() (after the
// model's info arrives), _ping() (the keep-alive request), _lost(), _failed(p, text) (an error for
// one of its requests), _receive(address, args, p) (everything else), and optionally _modelInfo()
// (after every /segue/model/info: this.model holds its capabilities and weak knobs).
// env (injected): send(msg), listen(port), probe(port, msg) (optional), models(names, current)
// (optional), status(text), store {get, set}, registry, now(), random (optional).
"use strict";
var msgs = require("./messages");

var M = msgs.messages;
var PING_MS = 1000, LOST_MS = 3500, HELLO_RETRY_MS = 1000;
var PROBE_MS = 1000, PORT_HOPS = 8; // our own probe not back by then: another program holds the port
var IN_USE_RETRY_MS = 2500, IN_USE_TRIES = 4; // "instance in use": wait for its former self, then a new id
var STATUS_CHARS = 96;      // what the streaming device's status field shows (tests/maxpatch checks it fits)
var FIRST_PORT = 9800, LAST_PORT = 9899;

// Shared by the devices of one Max (the [v8] glue keeps it in a Max Global, which every [v8] in Live
// sees): which live device holds which instance id (a copied device must take a new one), which
// device owns which reply port, and ports found deaf (our own probe never came back: another
// program holds it). A deaf mark is evidence-based and cleared once its device has said hello.
function Registry(first, last) {
  this.first = first || FIRST_PORT;
  this.last = last || LAST_PORT;
  this.owners = {};  // port -> instance
  this.bad = {};     // port -> the instance that found it deaf
  this.holders = {}; // instance -> the nonce of the live device holding it
}
Registry.prototype.hold = function (instance, nonce) {
  if (this.holders[instance] && this.holders[instance] !== nonce) return false;
  this.holders[instance] = nonce;
  return true;
};
Registry.prototype.heldByOther = function (instance, nonce) {
  return !!this.holders[instance] && this.holders[instance] !== nonce;
};
Registry.prototype.unhold = function (instance, nonce) {
  if (this.holders[instance] === nonce) delete this.holders[instance];
};
Registry.prototype.claim = function (instance) {
  for (var p = this.first; p <= this.last; p++) {
    if (this.owners[p] === instance && !this.bad[p]) return p;
  }
  for (p = this.first; p <= this.last; p++) {
    if (this.owners[p] === undefined && !this.bad[p]) { this.owners[p] = instance; return p; }
  }
  throw new Error("no free reply port in " + this.first + "-" + this.last);
};
Registry.prototype.markBad = function (port, instance) { this.bad[port] = instance; this.release(port, instance); };
Registry.prototype.clearMarks = function (instance) {
  for (var p in this.bad) if (this.bad[p] === instance) delete this.bad[p];
};
Registry.prototype.release = function (port, instance) {
  if (this.owners[port] === instance) delete this.owners[port];
};
Registry.prototype.rename = function (from, to) {
  for (var p in this.owners) if (this.owners[p] === from) this.owners[p] = to;
  for (p in this.bad) if (this.bad[p] === from) this.bad[p] = to;
};

// The Registry of one Max kept as JSON in `global.state` (a Max Global, which every [v8] in Live
// sees): each of its methods reads the registry afresh, runs, and writes it back, so that every
// device works on what the others did.
function sharedRegistry(global) {
  var shared = {};
  Object.keys(Registry.prototype).forEach(function (method) {
    shared[method] = function () {
      var r = new Registry();
      if (global.state) {
        var s = JSON.parse(global.state);
        r.owners = s.owners || {}; r.bad = s.bad || {}; r.holders = s.holders || {};
      }
      var out = r[method].apply(r, arguments);
      global.state = JSON.stringify({ owners: r.owners, bad: r.bad, holders: r.holders });
      return out;
    };
  });
  return shared;
}

function newInstanceId(random) {
  var s = "segue-";
  for (var k = 0; k < 12; k++) s += "0123456789abcdef"[Math.floor(random() * 16)];
  return s;
}

// A comma-separated field of the engine's (capabilities, weak knobs) as a list; none when absent.
function list(field) {
  return field === undefined || field === null || String(field) === "" ? [] : String(field).split(",");
}

// Words into at most `count` lines of `chars`; what does not fit ends the last line with "…".
function wrap(text, chars, count) {
  var lines = [], line = "";
  var words = String(text || "").split(/\s+/).filter(Boolean);
  for (var k = 0; k < words.length; k++) {
    var w = words[k];
    while (w.length > chars) { // a word longer than a line (a path, an id): split it
      if (line) { lines.push(line); line = ""; }
      lines.push(w.slice(0, chars));
      w = w.slice(chars);
    }
    if (!line) line = w;
    else if (line.length + 1 + w.length <= chars) line += " " + w;
    else { lines.push(line); line = w; }
  }
  if (line) lines.push(line);
  if (lines.length > count) {
    lines = lines.slice(0, count);
    var last = lines[count - 1];
    lines[count - 1] = (last.length >= chars ? last.slice(0, chars - 1) : last) + "\u2026";
  }
  while (lines.length < count) lines.push("");
  return lines;
}

function shortLicence(text) {
  var s = String(text || "").split(/[;(]/)[0].trim();
  return s.length > 24 ? s.slice(0, 23) + "\u2026" : s;
}

// The link's fields on a new controller.
function init(self, env) {
  self.env = env;
  self.random = env.random || Math.random;
  self.nonce = newInstanceId(self.random).slice(6); // this load of the device, for the registry
  self.rid = 0;
  self.state = "off"; // off -> connecting -> connected -> lost -> connecting ...
  self.everConnected = false;
  self.model = null;  // {name, kind, device, licence, version, choice, capabilities, weak}
  self.confirmed = false; // the engine has our hello's token back: it sends results and bars
  self.latency = null;
  self.message = "";
  self.pending = {};  // rid -> {what, ...}
  self.lastPing = 0;
  self.lastHeard = 0;
  self.lastHello = 0;
  self.nextHello = 0;
  self.refusals = 0;
  self.portOk = false;
  self.probeAt = null;
  self.hops = 0;
  self.onEvent = null; // optional hook for tests: (name, detail)
}

var methods = {};

methods.nextRid = function () {
  this.rid = this.rid >= 2147483646 ? 1 : this.rid + 1;
  return this.rid;
};
methods._send = function (msg, pending) {
  if (pending) this.pending[msg[1]] = pending;
  this.env.send(msg);
  return msg[1];
};
methods._event = function (name, detail) { if (this.onEvent) this.onEvent(name, detail); };

// The id saved with the set names this device's session in the engine. A copy of a live device
// (Cmd/Ctrl+D, copy-paste, a preset) restores the same id: the registry shows another live device
// holds it, and the copy takes a new one (and saves it).
methods.start = function () {
  var reg = this.env.registry;
  this.instance = this.env.store.get("instance");
  if (!this.instance || !reg.hold(this.instance, this.nonce)) {
    if (this.instance) this._event("duplicate", this.instance);
    this._newInstance();
  }
  this.port = reg.claim(this.instance);
  this._listen();
  this._starting();
  this.state = "connecting";
  this._hello();
  this._status();
};
// A new id, held in the registry and saved with the set. mine: the old id was this device's (its
// port goes with it); else another device holds the old id and everything under it.
methods._newInstance = function (mine) {
  var reg = this.env.registry, old = this.instance;
  do { this.instance = newInstanceId(this.random); } while (!reg.hold(this.instance, this.nonce));
  if (old && mine) { reg.unhold(old, this.nonce); reg.rename(old, this.instance); }
  this.env.store.set("instance", this.instance);
  this._event("new-instance", this.instance);
};
methods._listen = function () {
  this.env.listen(this.port);
  this.portOk = !this.env.probe; // without a probe there is no evidence either way
  if (this.env.probe) {
    this.probeNonce = newInstanceId(this.random);
    this.probeAt = this.env.now();
    this.env.probe(this.port, [msgs.PREFIX + "/probe", this.probeNonce]);
  }
};
methods._hello = function () {
  this.lastHello = this.env.now();
  this.nextHello = this.lastHello + HELLO_RETRY_MS;
  if (this.state !== "connected") this.pending = {}; // nothing else is coming back from a lost engine
  this.confirmed = false;
  this._send(M.hello(this.nextRid(), this.instance, this.port, msgs.CHUNK_BYTES), { what: "hello" });
};
methods.stop = function () {
  this._lost();
  if (this.state === "connected") this._send(M.goodbye(this.nextRid()));
  this.env.registry.release(this.port, this.instance);
  this.env.registry.unhold(this.instance, this.nonce);
  this.state = "off";
};

methods._onHello = function (args) {
  var reconnect = this.everConnected;
  this.state = "connected";
  this.everConnected = true;
  this.refusals = 0;
  this.env.registry.clearMarks(this.instance);
  this.lastHeard = this.env.now();
  this.model = { name: args[4], device: args[5], licence: args[6], version: args[3], kind: null };
  this.resumed = args[2] === 1;
  // echo the hello's token: the engine streams bars (and sends results) only to a client that shows it
  // reads its port
  if (args[7] !== undefined) this._send(M.helloConfirm(this.nextRid(), args[7]), { what: "confirm" });
  this._send(M.modelInfo(this.nextRid()), { what: "info", sync: true });
  this._send(M.modelList(this.nextRid()), { what: "models" });
  this._connected(reconnect, args);
  this._event(reconnect ? "reconnected" : "connected", args);
};

// What every device reads the same way; false for what the controller reads itself (_receive).
methods.receive = function (address, args) {
  if (address === msgs.PREFIX + "/probe") { // our own probe came back: the reply port is ours
    if (args[0] === this.probeNonce) { this.portOk = true; this._event("port-ok", this.port); }
    return;
  }
  this.lastHeard = this.env.now();
  this.portOk = true; // the engine reached us here: the port works
  var p = this.pending[args[0]];
  switch (address) {
    case "/segue/hello": if (p) { delete this.pending[args[0]]; this._onHello(args); } break;
    case "/segue/model/info":
      delete this.pending[args[0]];
      if (this.model) {
        this.model.name = args[1]; this.model.kind = args[2]; this.model.windowBars = args[3];
        this.model.device = args[6]; this.model.licence = args[7];
        this.model.choice = args[8] === undefined ? null : String(args[8]);
        this.model.capabilities = args[9] === undefined ? null : list(args[9]); // null: an engine that does not say
        this.model.weak = list(args[10]); // absent from an engine before weak_knobs: none
        this._showModels();
        if (this._modelInfo) this._modelInfo();
      }
      this._status();
      if (p && p.sync) this._sync(); // after hello: bring the engine up to date
      break;
    case "/segue/model/list":
      if (p) {
        delete this.pending[args[0]];
        this.models = args.slice(1).map(String);
        this._showModels();
      }
      break;
    case "/segue/model/choose":
      if (p) { // the engine switched (and encoded the clips again with the new model): show it
        delete this.pending[args[0]];
        this._send(M.modelInfo(this.nextRid()), { what: "info" });
        this._say("model " + args[1]);
      }
      break;
    case "/segue/hello/confirm": if (p) { delete this.pending[args[0]]; this.confirmed = true; } break;
    case "/segue/error": this._onError(args, p); break;
    default:
      if (!this._receive(address, args, p) && p) delete this.pending[args[0]];
  }
};

// The Model menu shows the engine's list with this session's choice, once both are known.
methods._showModels = function () {
  if (this.models && this.env.models) this.env.models(this.models, this.model ? this.model.choice : null);
};
// The Model menu: index into the engine's list. The engine keeps the choice in this device's session
// (restored by its instance id), so it survives a restart of either side.
methods.chooseModel = function (index) {
  var name = (this.models || [])[index];
  if (name === undefined) return false;
  if (this.state !== "connected") { this._say("not connected to the engine"); return false; }
  if (this.model && name === this.model.choice) return false; // already that one
  this._say("loading model " + name + "...");
  this._send(M.modelChoose(this.nextRid(), name), { what: "choose" });
  return true;
};

methods._onError = function (args, p) {
  var text = String(args[2] || "");
  if (p) delete this.pending[args[0]];
  if (/no session/.test(text)) { // the engine restarted and forgot us: say hello again
    if (this.state === "connected") { this.state = "connecting"; this._hello(); }
    return;
  }
  if (p && p.what === "hello" && /instance in use/.test(text)) { this._inUse(); return; }
  this._failed(p, text);
  this._event("error", text);
};
// The engine refused our hello: a client elsewhere that is still talking holds our id. Never fight
// over it. Another live device in this Max holds it: take a new id at once. Otherwise it may be our
// former self (the set was just reopened): ask again a little later, and after IN_USE_TRIES refusals
// (another Live on this computer has a copy of this set open) take a new id.
methods._inUse = function () {
  this._event("in-use", this.instance);
  var other = this.env.registry.heldByOther(this.instance, this.nonce);
  if (other || ++this.refusals >= IN_USE_TRIES) {
    this.refusals = 0;
    this._newInstance(!other);
    this.port = this.env.registry.claim(this.instance);
    this._hello();
    return;
  }
  this.nextHello = this.env.now() + IN_USE_RETRY_MS;
  this._say("id in use elsewhere: trying again");
};

methods._keepAlive = function (now) {
  if (this.state === "connected") {
    if (now - this.lastHeard > LOST_MS) {
      this.state = "lost";
      this._lost();
      this._say("engine not answering: reconnecting");
      this._event("lost");
    } else if (now - this.lastPing >= PING_MS) {
      // The keep-alive (not /segue/ping, which any sender gets an answer to) needs our session, so an
      // engine that restarted answers "no session" at once.
      this.lastPing = now;
      this._ping();
    }
  }
  if (this.state === "connecting" || this.state === "lost") {
    if (!this.portOk && this.probeAt !== null && now - this.probeAt > PROBE_MS) {
      if (++this.hops > PORT_HOPS) {
        this.portOk = true; // probes never come back at all (loopback blocked?): stop moving
      } else { // our own probe never came back: another program holds this port; take the next free one
        this._event("port-bad", this.port);
        this.env.registry.markBad(this.port, this.instance);
        this.port = this.env.registry.claim(this.instance);
        this._listen();
      }
    }
    if (now >= this.nextHello) {
      this.state = "connecting";
      this._hello();
    }
  }
};

// --- status -----------------------------------------------------------------------------------
// The connection, as the heads of a status line, longest first (the model's licence, its short form
// "Apache-2.0", only when there is room). notRunning: what to say while the engine never answered.
methods.statusHeads = function (notRunning) {
  if (this.state === "connected" && this.model) {
    var tail = " \u00b7 " + String(this.model.device || "cpu").toUpperCase() +
               (this.latency !== null ? " \u00b7 " + Math.round(this.latency) + " ms" : "");
    var licence = shortLicence(this.model.licence);
    return ["connected \u00b7 " + this.model.name + (licence ? " (" + licence + ")" : "") + tail,
            "connected \u00b7 " + this.model.name + tail];
  }
  if (this.state === "lost" || (this.state === "connecting" && this.everConnected)) return ["engine lost: reconnecting"];
  if (this.state === "connecting") {
    return notRunning || ["looking for the engine on 127.0.0.1:" + msgs.DEFAULT_PORT + " (start it: segue serve)",
                          "looking for the engine on 127.0.0.1:" + msgs.DEFAULT_PORT];
  }
  return ["off"];
};
// One line, at most this.statusChars (STATUS_CHARS): the connection, then the latest message; a long
// message is cut.
methods._say = function (text) { this.message = text; this._status(); };
methods.statusText = function () {
  var heads = this.statusHeads(), chars = this.statusChars || STATUS_CHARS;
  var sep = " \u2014 ", message = String(this.message || "");
  for (var k = 0; k < heads.length; k++) {
    var line = message ? heads[k] + sep + message : heads[k];
    if (line.length <= chars) return line;
  }
  var head = heads[heads.length - 1];
  if (!message) return head.slice(0, chars);
  var room = chars - head.length - sep.length;
  if (room < 12) return (message.length > chars ? message.slice(0, chars - 1) + "\u2026" : message);
  return head + sep + message.slice(0, room - 1) + "\u2026";
};
methods._status = function () { this.env.status(this.statusText()); };

// Give a controller's prototype the link's methods (its own, of the same name, win).
function mixin(proto) {
  for (var name in methods) if (!Object.prototype.hasOwnProperty.call(proto, name)) proto[name] = methods[name];
  return proto;
}

module.exports = { PING_MS: PING_MS, LOST_MS: LOST_MS, HELLO_RETRY_MS: HELLO_RETRY_MS, STATUS_CHARS: STATUS_CHARS,
                   FIRST_PORT: FIRST_PORT, LAST_PORT: LAST_PORT, Registry: Registry, sharedRegistry: sharedRegistry,
                   newInstanceId: newInstanceId,
                   shortLicence: shortLicence, list: list, wrap: wrap, init: init, mixin: mixin, methods: methods };
