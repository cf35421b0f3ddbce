// Segue's MIDI Tools (Segue Transform, Segue Generate): the [v8] glue between the patch and tool.js.
// Needs Live 12.2+ / Max 9. build.py bundles this file and the modules it requires into each tool's
// [v8] box, with __segue_kind ("transform" or "generate") set before it; the source patches load it
// as [v8 segue_tool.js transform] / [v8 segue_tool.js generate].
//
// Everything here runs on Max's low-priority thread ([live.miditool.in], [qmetro], [udpreceive @defer 1],
// [deferlow], the UI). The apply cycle is synchronous: the notes dictionary that reaches inlet 0 is
// answered before this function returns (tool.js says why and how a later answer gets written).
//
// Inlets: 0 the notes dictionary from [live.miditool.in], and every other message: bang (from
//   [live.thisdevice]), tick (from [qmetro]), reapplying (from [deferlow] -> [t b reapplying], just before
//   its bang reaches [live.miditool.in]), /segue/... (from [udpreceive]), mode i, param NAME value,
//   pick target|a|b menu|track|scene value, instance id (from the [pattr] that saves it);
//   1 the context dictionary from [live.miditool.in] (it comes first: outlets fire right to left).
// Outlets: 0 the notes dictionary to [live.miditool.out]; 1 OSC to [udpsend]; 2 "port N" to [udpreceive];
//   3 "port N" and the probe message to the probe's [udpsend]; 4 bang to [deferlow] -> [live.miditool.in]
//   (a new pass of the apply cycle, when a result arrives); 5 the instance id to the [pattr];
//   6, 7, 8 the status lines; 9 (and 10 for Generate's B) the source menus' items.
/* global inlets, outlets, outlet, inlet, Dict, LiveAPI, Global, messagename, arrayfromargs, jsarguments,
   __segue_require, __segue_kind */
var req = typeof __segue_require === "function" ? __segue_require : require;
var toolModule = req("./tool");
var linkModule = req("./link");

var KIND = typeof __segue_kind === "string" ? __segue_kind
  : (typeof jsarguments !== "undefined" && jsarguments[1]) || "transform";
var MENUS = KIND === "generate" ? { a: 9, b: 10 } : { target: 9 };

inlets = 2;
outlets = KIND === "generate" ? 11 : 10;

var saved = {};
var started = false;
var context = null;     // the latest context dictionary (the range, Live's scale, the grid)
var observers = [];
var out = null;         // the dictionary written to [live.miditool.out], made once

// The registry shared by every Segue device in this Max (the streaming devices' too).
var registry = linkModule.sharedRegistry(new Global("segue_registry"));

var tool = new toolModule.Tool({
  send: function (msg) { outlet(1, msg); },
  listen: function (port) { outlet(2, "port", port); },
  probe: function (port, msg) { outlet(3, "port", port); outlet(3, msg); },
  reapply: function () { outlet(4, "bang"); },
  status: function (text) { outlet(6, "set", text); },
  lines: function (head, one, two) { outlet(6, "set", head); outlet(7, "set", one || " "); outlet(8, "set", two || " "); },
  targets: function (which, items, chosen) {
    var n = MENUS[which];
    if (n === undefined) return;
    outlet(n, "clear");
    for (var k = 0; k < items.length; k++) outlet(n, "append", items[k]);
    outlet(n, "set", chosen);
  },
  api: function (path) { return new LiveAPI(path); },
  observe: function (path, property, fn) {
    var o = new LiveAPI(function (args) { fn(args); }, path);
    o.property = property;
    observers.push(o);
  },
  store: { get: function (k) { return saved[k]; },
           set: function (k, v) { saved[k] = v; if (k === "instance") outlet(5, v); } },
  registry: registry,
  now: function () { return Date.now(); },
}, KIND);

function read(name) { return JSON.parse(new Dict(String(name)).stringify()); }

function bang() { // [live.thisdevice]: the Live API can be used from here on
  if (started) return;
  started = true;
  tool.start();
}
function dictionary(name) { // from [live.miditool.in]: context (inlet 1) first, then the notes
  if (inlet === 1) { context = read(name); return; }
  var written = tool.apply(read(name), context);
  if (!out) out = new Dict();
  out.parse(JSON.stringify(written));
  outlet(0, "dictionary", out.name);
}
function tick() { if (started) tool.tick(); }
function reapplying() { tool.reapplying(); } // [deferlow] -> [t b reapplying]: then the bang to [live.miditool.in]
function mode(i) { tool.setMode(i); }
function param(name, value) { tool.param(String(name), value); }
function pick(which, field, value) { tool.pick(String(which), String(field), value); }
function instance(id) { if (id && !started) saved.instance = String(id); }
function anything() { // an OSC message from [udpreceive]: /segue/... args
  if (String(messagename).indexOf("/segue/") === 0) tool.receive(messagename, arrayfromargs(arguments));
}
function notifydeleted() { if (started) tool.stop(); }

// Max calls these by name; keep them reachable when the code is wrapped by the bundler.
var exported = { bang: bang, dictionary: dictionary, tick: tick, reapplying: reapplying, mode: mode, param: param, pick: pick,
                 instance: instance, anything: anything, notifydeleted: notifydeleted, tool: tool };
if (typeof module !== "undefined" && module.exports) module.exports = exported;
