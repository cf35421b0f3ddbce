// Segue's Max for Live device: the [v8] glue between the patch and the plain modules (device.js
// and friends). Needs Max 9 / Live 12.2+ ([v8] with embedded code). build.py bundles this file and
// its modules into the [v8] box, so the built device refers to no file outside itself.
//
// Inlet messages (from the patch):
//   bang (from [live.thisdevice]): the Live API is ready, start
//   tick (from [metro 5]), flush (from [deferlow]): run deferred Live-set writes
//   /segue/... args (from [udpreceive]): the engine's replies and pushes
//   knob NAME value, pick A|B track|scene|selected value, load, root index, scale index,
//   mode 0|1, steps n, bars n, model index (from the Model menu), capture, write,
//   instance id (from the [pattr] that saves it)
// Outlets: 0 OSC messages to [udpsend]; 1 "pitch velocity delay-ms" (or "clear") to [pipe 0 0 0],
//   which fires each note on Max's scheduler at its time, then [pack] -> [midiformat]; 2 status
//   text; 3 "port N" to [udpreceive]; 4 bang to [deferlow]; 5 the instance id to the [pattr];
//   6 the Model [umenu]'s items (clear, append NAME, set INDEX)
/* global inlets, outlets, outlet, post, LiveAPI, Global, messagename, arrayfromargs, __segue_require */
var req = typeof __segue_require === "function" ? __segue_require : require;
var device = req("./device");
var messages = req("./messages");

inlets = 1;
outlets = 7;

var saved = {};        // what the [pattr] holds
var deferred = [];
var picks = { A: { track: 1, scene: 1, selected: 0 }, B: { track: 1, scene: 2, selected: 0 } };
var rootIndex = 0;     // 0 = follow the song's scale, 1 = off, 2.. = C..B
var scaleIndex = 0;
var started = false;
var song = null;        // LiveAPI("live_set"), made after [live.thisdevice]

// A registry shared by every Segue device in this Max, kept as JSON in a Max Global.
var shared = new Global("segue_ports");
var ports = {
  _load: function () {
    var r = new device.PortRegistry();
    if (shared.state) { var s = JSON.parse(shared.state); r.owners = s.owners; r.bad = s.bad; }
    return r;
  },
  _save: function (r) { shared.state = JSON.stringify({ owners: r.owners, bad: r.bad }); },
  claim: function (instance, avoid) { var r = this._load(); var p = r.claim(instance, avoid); this._save(r); return p; },
  release: function (port, instance) { var r = this._load(); r.release(port, instance); this._save(r); },
};

function trackIndex() {
  var parent = new LiveAPI("this_device canonical_parent");
  var m = /tracks (\d+)/.exec(String(parent.unquotedpath || parent.path).replace(/"/g, ""));
  return m ? Number(m[1]) : 0;
}

var dev = new device.Device({
  send: function (msg) { outlet(0, msg); },
  listen: function (port) { outlet(3, "port", port); },
  output: function (pitch, velocity, delayMs) { outlet(1, pitch, velocity, delayMs || 0); }, // to [pipe]
  cancel: function () { outlet(1, "clear"); },
  models: function (names, current) { // the Model [umenu]: its items, and the current one shown
    outlet(6, "clear");
    for (var k = 0; k < names.length; k++) outlet(6, "append", names[k]);
    if (current && names.indexOf(current) >= 0) outlet(6, "set", names.indexOf(current));
  },
  status: function (text) { outlet(2, "set", text); },
  api: function (path) { // the song object is read every tick: make it once
    if (path === "live_set") return song || (song = new LiveAPI(path));
    return new LiveAPI(path);
  },
  defer: function (fn) { deferred.push(fn); outlet(4, "bang"); },
  store: { get: function (k) { return saved[k]; },
           set: function (k, v) { saved[k] = v; if (k === "instance") outlet(5, v); } },
  ports: ports,
  now: function () { return Date.now(); },
  track: trackIndex,
});

function applyPick(slot) {
  var p = picks[slot];
  dev.setClip(slot, p.selected ? "selected" : { track: p.track - 1, scene: p.scene - 1 });
}

function applyScale() {
  if (rootIndex === 0) { if (started) { delete dev.knobs.scale_root; delete dev.knobs.scale; dev.useSongScale(); } return; }
  dev.knob("scale_root", rootIndex === 1 ? -1 : rootIndex - 2);
  dev.knob("scale", messages.SCALES[scaleIndex] || "major");
}

function bang() { // [live.thisdevice]: the Live API can be used from here on
  if (started) return;
  started = true;
  dev.start();
  applyScale();
  applyPick("A");
  applyPick("B");
}

function tick() { if (started) dev.tick(); }
function flush() { var q = deferred; deferred = []; for (var k = 0; k < q.length; k++) q[k](); }
function knob(name, value) { dev.knob(name, value); }
function pick(slot, field, value) { picks[slot][field] = value; if (started) applyPick(slot); }
function pressed(v) { return v === undefined || v === "bang" || Number(v) !== 0; }
function load(v) { if (started && pressed(v)) { dev.load("A"); dev.load("B"); } }
function root(i) { rootIndex = i; applyScale(); }
function scale(i) { scaleIndex = i; applyScale(); }
function mode(i) { dev.setMode(i ? "write" : "live"); }
function steps(n) { dev.setSteps(n); }
function bars(n) { dev.setBars(n); }
function model(index) { if (started) dev.chooseModel(index); }
function capture(v) { if (started && pressed(v)) dev.capture(); }
function write(v) { if (started && pressed(v)) dev.write(); }
function instance(id) { if (id && !started) saved.instance = String(id); }
function anything() { // an OSC message from [udpreceive]: /segue/... args
  if (String(messagename).indexOf("/segue/") === 0) dev.receive(messagename, arrayfromargs(arguments));
}
function notifydeleted() { dev.stop(); }

// Max calls these by name; keep them reachable when the code is wrapped by the bundler.
var api = { bang: bang, tick: tick, flush: flush, knob: knob, pick: pick, load: load, root: root, scale: scale,
            mode: mode, steps: steps, bars: bars, model: model, capture: capture, write: write,
            instance: instance,
            anything: anything, notifydeleted: notifydeleted, dev: dev };
if (typeof module !== "undefined" && module.exports) module.exports = api;
