// Segue's Max for Live device: the [v8] glue between the patch and the plain modules (device.js
// and friends). Needs Max 9 / Live 12.2+ ([v8] with embedded code). build.py bundles this file and
// its modules into the [v8] box, so the built device refers to no file outside itself.
//
// Everything here runs on Max's low-priority thread: [v8] defers what reaches it from the
// scheduler thread, and the patch feeds it from low-priority sources anyway ([qmetro], [udpreceive
// @defer 1], [deferlow], the UI), so the Live API is always usable.
//
// Inlet messages (from the patch):
//   bang (from [live.thisdevice]): the Live API is ready, start
//   clock TICKS (from [qmetro 5] -> [when]: Live's song position in ticks, 480 a beat): the tick
//   tick: a tick without a song position (the device then reads current_song_time itself)
//   flush (from [deferlow]): run deferred work (Live-set writes, the song key)
//   /segue/... args (from [udpreceive]): the engine's replies and pushes, and our own port probe
//   knob NAME value, pick A|B track|scene|selected value, load, root index, scale index,
//   mode 0|1, steps n, bars n, model index (from the Model menu), capture, write,
//   instance id (from the [pattr] that saves it), pad 0|1 (the XY pad's toggle), padx h / pady v
//   (from the pad's [pictslider], 0..127, v 0 at the top), xy x|y value (from the X and Y dials),
//   pick tool track|scene|selected value (the clip Groove, Drumify and From clip read), tool
//   amount|temperature value, groove, drumify, chordsclip (buttons), text ... (the Chords
//   [textedit]: Return sends its text)
// Outlets: 0 OSC messages to [udpsend]; 1 "pitch velocity delay-ms" (or "clear") to [pipe 0 0 0],
//   which fires each note on Max's scheduler at its time, then [pack] -> [midiformat]; 2 status
//   text; 3 "port N" to [udpreceive]; 4 bang to [deferlow]; 5 the instance id to the [pattr];
//   6 the Model [umenu]'s items (clear, append NAME, set INDEX); 7 "port N" and the probe message to
//   the probe's [udpsend] (to our own reply port); 8 the puck to the pad's [pictslider] (h v);
//   9, 10 "set value" to the X and Y dials; 11 "script sendbox NAME attribute value" to [thispatcher]:
//   what the model can do shown on the boxes by their scripting names (greyed out, Info View texts,
//   captions, the chords field)
/* global inlets, outlets, outlet, post, LiveAPI, Global, messagename, arrayfromargs, __segue_require */
var req = typeof __segue_require === "function" ? __segue_require : require;
var device = req("./device");
var link = req("./link");
var live = req("./live");

inlets = 1;
outlets = 12;
var PAD = 127; // the [pictslider]'s range on both axes

var TICKS_PER_BEAT = 480; // Max's tempo-relative ticks
var saved = {};        // what the [pattr] holds
var deferred = [];
var picks = { A: { track: 1, scene: 1, selected: 0 }, B: { track: 1, scene: 2, selected: 0 },
              C: { track: 1, scene: 3, selected: 0 }, D: { track: 1, scene: 4, selected: 0 },
              tool: { track: 1, scene: 1, selected: 1 } };
var rootIndex = 0;     // 0 = follow the song's key, 1 = off, 2.. = C..B
var scaleIndex = 0;
var started = false;
var song = null;        // LiveAPI("live_set"), made after [live.thisdevice]
var observers = [];     // LiveAPI observers, kept alive

// The registry shared by every Segue device in this Max, kept as JSON in a Max Global.
var registry = link.sharedRegistry(new Global("segue_registry"));

function api(path) { // the song object is read more often than the rest: make it once
  if (path === "live_set") return song || (song = new LiveAPI(path));
  return new LiveAPI(path);
}

var dev = new device.Device({
  send: function (msg) { outlet(0, msg); },
  listen: function (port) { outlet(3, "port", port); },
  probe: function (port, msg) { outlet(7, "port", port); outlet(7, msg); },
  output: function (pitch, velocity, delayMs) { outlet(1, pitch, velocity, delayMs || 0); }, // to [pipe]
  cancel: function () { outlet(1, "clear"); },
  models: function (names, current) { // the Model [umenu]: its items, and the current one shown
    outlet(6, "clear");
    for (var k = 0; k < names.length; k++) outlet(6, "append", names[k]);
    if (current && names.indexOf(current) >= 0) outlet(6, "set", names.indexOf(current));
  },
  status: function (text) { outlet(2, "set", text); },
  api: api,
  observe: function (path, property, fn) {
    var o = new LiveAPI(function (args) { fn(args); }, path);
    o.property = property;
    observers.push(o);
  },
  defer: function (fn) { deferred.push(fn); outlet(4, "bang"); },
  store: { get: function (k) { return saved[k]; },
           set: function (k, v) { saved[k] = v; if (k === "instance") outlet(5, v); } },
  registry: registry,
  now: function () { return Date.now(); },
  track: function () { return live.ownTrack(api); },
  ui: function (name, attr, value) { outlet(11, "script", "sendbox", name, attr, value); },
  showXY: function (x, y, from) { // the other control follows ("set": no output, so no loop)
    if (from !== "pad") outlet(8, Math.round(x * PAD), Math.round(y * PAD));
    if (from !== "dial") { outlet(9, "set", x); outlet(10, "set", y); }
  },
});

function applyPick(slot) {
  var p = picks[slot];
  dev.setClip(slot, p.selected ? "selected" : { track: p.track - 1, scene: p.scene - 1 });
}

function bang() { // [live.thisdevice]: the Live API can be used from here on
  if (started) return;
  started = true;
  dev.setScale(rootIndex, scaleIndex);
  dev.start();
  applyPick("A");
  applyPick("B");
  applyPick("C");
  applyPick("D");
  applyPick("tool");
}

function clock(ticks) { if (started) dev.tick(Number(ticks) / TICKS_PER_BEAT); }
function tick() { if (started) dev.tick(); }
function flush() { var q = deferred; deferred = []; for (var k = 0; k < q.length; k++) q[k](); }
function knob(name, value) { dev.knob(name, value); }
function pick(slot, field, value) { picks[slot][field] = Number(value) || 0; if (started) applyPick(slot); }
function pressed(v) { return v === undefined || v === "bang" || Number(v) !== 0; }
function load(v) { if (started && pressed(v)) { dev.load("A"); dev.load("B"); } }
function root(i) { rootIndex = Number(i) || 0; dev.setScale(rootIndex, scaleIndex); }
function scale(i) { scaleIndex = Number(i) || 0; dev.setScale(rootIndex, scaleIndex); }
function mode(i) { dev.setMode(i ? "write" : "live"); }
function steps(n) { dev.setSteps(n); }
function bars(n) { dev.setBars(n); }
function model(index) { if (started) dev.chooseModel(index); }
function capture(v) { if (started && pressed(v)) dev.capture(); }
function write(v) { if (started && pressed(v)) dev.write(); }
function instance(id) { if (id && !started) saved.instance = String(id); }
function pad(on) { dev.setPad(Number(on) || 0); }
// The pad echoes what showXY set: a value equal to the puck's (rounded) is no move.
function padx(h) { if (Math.round(dev.xy.x * PAD) !== Number(h)) dev.setXY("x", Number(h) / PAD, "pad"); }
function pady(v) { if (Math.round(dev.xy.y * PAD) !== Number(v)) dev.setXY("y", Number(v) / PAD, "pad"); }
function xy(axis, value) { dev.setXY(String(axis), Number(value), "dial"); }
function tool(name, value) { dev.setToolParam(String(name), Number(value)); }
function groove(v) { if (started && pressed(v)) dev.regroove(false); }
function drumify(v) { if (started && pressed(v)) dev.regroove(true); }
function chordsclip(v) { if (started && pressed(v)) dev.chordsFromClip(); }
function text() { if (started) dev.setChords(arrayfromargs(arguments).join(" ")); } // the Chords field
function anything() { // an OSC message from [udpreceive]: /segue/... args
  if (String(messagename).indexOf("/segue/") === 0) dev.receive(messagename, arrayfromargs(arguments));
}
function notifydeleted() { if (started) dev.stop(); }

// Max calls these by name; keep them reachable when the code is wrapped by the bundler.
var exported = { bang: bang, clock: clock, tick: tick, flush: flush, knob: knob, pick: pick, load: load, root: root,
                 scale: scale, mode: mode, steps: steps, bars: bars, model: model, capture: capture, write: write,
                 instance: instance, pad: pad, padx: padx, pady: pady, xy: xy, tool: tool, groove: groove,
                 drumify: drumify, chordsclip: chordsclip, text: text, anything: anything,
                 notifydeleted: notifydeleted, dev: dev };
if (typeof module !== "undefined" && module.exports) module.exports = exported;
