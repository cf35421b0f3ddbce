// The Segue panel's page: one WebSocket to the engine (engine/panel/server.py), four slots, the XY
// pad, the knobs (built from the address table the server sends), the live piano roll, listening,
// downloads, the transport, the model and the engine's health; Groove, Drumify and chords where the
// session's model can (greyed out with the reason where it cannot). No build step: plain ES modules.

import { Pad, CORNERS } from "./pad.js";
import { drawClip, drawLive } from "./roll.js";
import { MidiOut, Player, Synth } from "./synth.js";

const token = document.querySelector('meta[name="segue-token"]').content;
const $ = (id) => document.getElementById(id);
const INSTANCE_KEY = "segue-panel-instance";

// What the tests and the benchmark read (window.seguePanel): nothing here is needed by the page.
const app = {
  ws: null, conn: null, vocab: null, state: null, connected: false, instance: null,
  bars: new Map(), missing: new Set(), clock: { beat: 0, tempo: 120, playing: false, at: performance.now() },
  drawn: { version: -1, at: 0 }, received: { version: -1, at: 0 }, replies: new Map(), nextId: 1,
  reconnects: 0, problems: [], latency: null, late: 0, drive: "own", lastBar: -1, results: [],
};
window.seguePanel = app;

const synth = new Synth();
const midiOut = new MidiOut();
const player = new Player([synth, midiOut]);
let listening = false;

// --- the connection ------------------------------------------------------------------------------
function setStatus(kind, text) {
  const el = $("status");
  el.className = "status " + kind;
  el.textContent = text;
}

function request(op, fields = {}) {
  return new Promise((resolve, reject) => {
    if (!app.ws || app.ws.readyState !== WebSocket.OPEN) { reject(new Error("the engine is not connected")); return; }
    const id = app.nextId++;
    app.replies.set(id, { resolve, reject });
    app.ws.send(JSON.stringify({ id, op, ...fields }));
  });
}

function showProblem(text) {
  const el = $("problem");
  el.textContent = text;
  el.hidden = !text;
  if (text) app.problems.push(text);
}

function connect() {
  setStatus("connecting", app.reconnects ? `engine gone: reconnecting (try ${app.reconnects})…` : "connecting…");
  const ws = new WebSocket(`ws://${location.host}/ws?token=${encodeURIComponent(token)}`);
  app.ws = ws;
  ws.onmessage = (e) => receive(JSON.parse(e.data));
  ws.onclose = () => {
    if (app.ws !== ws) return;
    app.connected = false;
    app.conn = null;
    for (const { reject } of app.replies.values()) reject(new Error("the engine went away"));
    app.replies.clear();
    app.reconnects += 1;
    setStatus("gone", "The engine went away: reconnecting by itself…");
    setTimeout(connect, Math.min(5000, 250 * 2 ** Math.min(app.reconnects, 5)));
  };
}

async function attach(instance) {
  const r = await request("attach", { instance: instance || "" });
  app.instance = r.instance;
  app.results = r.results || [];
  showResults();
  app.bars.clear();
  app.missing.clear();
  player.reset();
  localStorage.setItem(INSTANCE_KEY, r.instance);
  setDrive(r.kind === "panel" ? "own" : "follow");
  refreshSessions();
}

function receive(m) {
  switch (m.type) {
    case "hello":
      app.conn = m.conn;
      app.vocab = m.vocabulary;
      buildControls();
      fillSessions(m.sessions);
      attach(localStorage.getItem(INSTANCE_KEY)).then(() => {
        app.connected = true;
        setStatus("ok", "connected");
        showProblem("");
      }, (e) => showProblem(e.message));
      break;
    case "reply": {
      const waiting = app.replies.get(m.id);
      if (!waiting) break;
      app.replies.delete(m.id);
      if (m.ok) waiting.resolve(m); else waiting.reject(new Error(m.error));
      break;
    }
    case "state":
      if (!m.slots) {
        const same = app.state && app.state.instance === m.instance;
        m.slots = same ? app.state.slots : {};
        m.tool = same ? app.state.tool : null;
      } else m.slotsChanged = true;
      app.state = m;
      setClock(m);
      showState(m);
      break;
    case "transport":
      setClock(m);
      health(m.health);
      break;
    case "bar":
      app.bars.set(m.bar, { version: m.version, notes: m.notes, late: m.late, xy: m.xy });
      app.missing.delete(m.bar);
      if (m.version > app.received.version) app.received = { version: m.version, at: performance.now() };
      if (m.latency_ms != null) app.latency = m.latency_ms;
      if (m.late) app.late += 1;
      for (const b of app.bars.keys()) if (b < m.bar - 48) app.bars.delete(b);
      for (const b of app.missing) if (b < m.bar - 48) app.missing.delete(b);
      if (app.problems.length > 50) app.problems.splice(0, app.problems.length - 50);
      dirty = true;
      break;
    case "result":
      app.results = app.results.filter((x) => x.id !== m.id).concat([m]).slice(-8);
      showResults();
      break;
    case "problem":
      showProblem(`${m.where}: ${m.message}`);
      break;
  }
}

// --- the clock -----------------------------------------------------------------------------------
function setClock(m) {
  app.clock = { beat: m.beat, tempo: m.tempo, playing: m.playing, at: performance.now() };
  if (m.health) health(m.health);
  if (document.activeElement !== $("tempo")) $("tempo").value = Math.round(m.tempo * 100) / 100;
}

function beatNow() {
  const c = app.clock;
  return c.playing ? c.beat + ((performance.now() - c.at) / 1000) * (c.tempo / 60) : c.beat;
}

function health(h) {
  if (!h) return;
  const parts = [`engine latency (pad move to new bar): ${h.latency_ms == null ? "–" : h.latency_ms + " ms"}`,
                 `late bars: ${h.late}`, `missing bars: ${app.missing.size}`];
  $("health").textContent = parts.join("   ·   ");
}

// --- controls from the vocabulary ----------------------------------------------------------------
let built = false;
const knobInputs = {};
let pad = null;

function knobSend(name, value) {
  request("knob", { name, value }).catch((e) => showProblem(e.message));
}

function throttled(fn, every = 50) {
  let last = 0;
  let timer = null;
  return (...args) => {
    const now = performance.now();
    clearTimeout(timer);
    if (now - last >= every) { last = now; fn(...args); } else timer = setTimeout(() => { last = performance.now(); fn(...args); }, every);
  };
}

function buildControls() {
  if (built) return;
  built = true;
  const v = app.vocab;
  const knobs = $("knobs");
  for (const [name, spec] of Object.entries(v.knobs)) {
    if (name === "xy_x" || name === "xy_y") continue; // the pad
    const box = document.createElement("label");
    box.className = "knob";
    box.title = spec.doc || "";
    const label = document.createElement("span");
    label.textContent = name.replace(/_/g, " ");
    const value = document.createElement("span");
    value.className = "value";
    let input;
    if (spec.type === "s") {
      input = document.createElement("select");
      for (const c of spec.choices) input.add(new Option(c.replace(/_/g, " "), c));
      input.addEventListener("change", () => knobSend(name, input.value));
      value.textContent = "";
    } else {
      input = document.createElement("input");
      input.type = "range";
      input.min = spec.lo;
      input.max = name === "seed" ? Math.min(spec.hi, 999) : spec.hi;
      input.step = spec.type === "i" ? 1 : (spec.hi - spec.lo) / 200;
      const send = throttled((x) => knobSend(name, x));
      input.addEventListener("input", () => {
        const x = spec.type === "i" ? parseInt(input.value, 10) : parseFloat(input.value);
        value.textContent = fmt(name, x);
        send(x);
      });
    }
    input.value = spec.default;
    input.dataset.knob = name;
    value.textContent = spec.type === "s" ? "" : fmt(name, spec.default);
    box.append(label, value, input);
    knobs.append(box);
    knobInputs[name] = { input, value, spec, box, label };
  }
  for (const n of v.download_bars) $("download-bars").add(new Option(`${n} bar${n > 1 ? "s" : ""}`, n));
  $("download-bars").value = 4;
  $("morph-steps").min = v.render_steps.lo;
  $("morph-steps").max = v.render_steps.hi;
  $("tempo").min = v.tempo.lo;
  $("tempo").max = v.tempo.hi;
  for (const name of ["amount", "temperature"]) {
    const input = $(`groove-${name}`);
    input.min = v.groove[name].lo;
    input.max = v.groove[name].hi;
    input.title = v.groove[name].doc || "";
  }
  buildSlots();
}

function fmt(name, x) {
  if (name === "scale_root") return x < 0 ? "off" : ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"][x];
  if (name === "velocity") return x === 0 ? "keep" : String(x);
  return Number.isInteger(x) ? String(x) : x.toFixed(2);
}

// --- slots ---------------------------------------------------------------------------------------
const slotEls = {};

function buildSlots() {
  const tpl = $("slot-template");
  for (const name of app.vocab.slots) {
    const el = tpl.content.firstElementChild.cloneNode(true);
    el.dataset.slot = name;
    el.querySelector(".slot-name").textContent = name;
    const ex = el.querySelector(".example");
    for (const e of app.vocab.examples) ex.add(new Option(e, e));
    ex.addEventListener("change", () => { if (ex.value) slotOp("example", name, { name: ex.value }); ex.value = ""; });
    takesFile(el, el.querySelector(".load"), el.querySelector(".file"), (f) => upload(name, f));
    el.querySelector(".sample").addEventListener("click", () => slotOp("sample", name));
    el.querySelector(".vary").addEventListener("click", () => slotOp("vary", name));
    el.querySelector(".clear").addEventListener("click", () => slotOp("clear", name));
    $("slots").append(el);
    slotEls[name] = el;
    drawClip(el.querySelector("canvas"), [], [], 4);
  }
}

// A box that takes a .mid file: dropped on it, or chosen with its load button (which opens the
// hidden file input); take(file) gets it.
function takesFile(box, load, input, take) {
  load.addEventListener("click", () => input.click());
  input.addEventListener("change", () => { if (input.files[0]) take(input.files[0]); input.value = ""; });
  box.addEventListener("dragover", (e) => { e.preventDefault(); box.classList.add("over"); });
  box.addEventListener("dragleave", () => box.classList.remove("over"));
  box.addEventListener("drop", (e) => {
    e.preventDefault();
    box.classList.remove("over");
    const f = e.dataTransfer && e.dataTransfer.files[0];
    if (f) take(f);
  });
}

function slotError(name, text) {
  (name === "tool" ? $("tool-error") : slotEls[name].querySelector(".slot-error")).textContent = text || "";
}

async function slotOp(op, slot, fields = {}) {
  slotError(slot, op === "clear" ? "" : "working…");
  try {
    await request(op, { slot, ...fields });
    slotError(slot, "");
  } catch (e) {
    slotError(slot, e.message);
  }
}

// `slot`: A..D, or "tool" for the Groove box (a clip kept in the session, in no slot).
async function upload(slot, file, track) {
  const el = slot === "tool" ? $("groove-box") : slotEls[slot];
  el.querySelector(".choose").hidden = true;
  if (file.size > app.vocab.max_upload) {
    slotError(slot, `${file.name} is too big (${Math.round(file.size / 1024)} KB): a slot takes a MIDI file of at most ${Math.round(app.vocab.max_upload / 1024)} KB`);
    return;
  }
  slotError(slot, `reading ${file.name}…`);
  const q = new URLSearchParams({ conn: app.conn || "", name: file.name, ...(slot === "tool" ? { to: "tool" } : { slot }) });
  if (track != null) q.set("track", track);
  try {
    const res = await fetch(`/api/upload?${q}`, { method: "POST", body: file,
      headers: { "X-Segue-Token": token, "Content-Type": "application/octet-stream" } });
    const r = await res.json();
    if (r.choose) {
      const pick = el.querySelector(".track");
      pick.innerHTML = "";
      for (const t of r.choose) pick.add(new Option(`${t.index}: ${t.name || (t.drums ? "drums" : "program " + t.program)} (${t.notes} notes)`, t.index));
      el.querySelector(".choose").hidden = false;
      el.querySelector(".use-track").onclick = () => upload(slot, file, pick.value);
      slotError(slot, "several tracks: which one?");
      return;
    }
    if (!r.ok) { slotError(slot, r.error); return false; }
    el.querySelector(".slot-title").textContent = r.name;
    slotError(slot, "");
    return true;
  } catch (e) {
    slotError(slot, `upload failed: ${e.message}`);
  }
}

// --- state from the engine -------------------------------------------------------------------------
function showState(s) {
  for (const name of s.slotsChanged ? app.vocab.slots : []) {
    const el = slotEls[name];
    const view = s.slots[name];
    const f1 = el.querySelector(".f1");
    if (!view) {
      drawClip(el.querySelector("canvas"), [], [], 4);
      f1.textContent = "";
      el.querySelector(".slot-title").textContent = "";
      continue;
    }
    if (view.pending) { f1.textContent = "…"; continue; }
    drawClip(el.querySelector("canvas"), view.notes, view.recon, view.length);
    const src = view.source;
    el.querySelector(".slot-title").textContent = src.kind === "clip" ? (view.title || src.clip)
      : src.kind === "sample" ? `sample, ${src.bars} bars` : "variation";
    if (view.f1 == null) { f1.textContent = ""; f1.title = ""; } else {
      f1.textContent = `F1 ${view.f1.toFixed(2)}`;
      f1.title = "how well the model plays the clip back (note F1: onset and pitch); low means the clip is outside what the model knows";
      f1.classList.toggle("low", view.f1 < 0.5);
    }
  }
  if (pad) {
    pad.filled = CORNERS.map((c) => Boolean(s.slots[c]));
    pad.active = s.xy_slots.some(Boolean);
    if (pad.settled()) pad.set(s.knobs.xy_x, s.knobs.xy_y, false);
    $("xy-readout").textContent = `x ${pad.x.toFixed(2)} y ${pad.y.toFixed(2)}`;
  }
  for (const [name, k] of Object.entries(knobInputs)) {
    if (document.activeElement === k.input) continue;
    k.input.value = s.knobs[name];
    if (k.spec.type !== "s") k.value.textContent = fmt(name, s.knobs[name]);
  }
  showModel(s);
  showTools(s);
  const models = $("models");
  if (models.options.length !== s.models.length) {
    models.innerHTML = "";
    for (const m of s.models) models.add(new Option(m, m));
  }
  models.value = s.model.choice;
  models.title = `${s.model.name} (${s.model.kind}, ${s.model.window_bars} bars, z ${s.model.z_size}${s.model.trained ? "" : ", untrained"}) on ${s.model.device}; licence: ${s.model.licence}`;
}

// --- what the model can do: capabilities, greyed-out actions, weak knobs -----------------------------
// Every action the session's model cannot do is disabled, with the engine's reason as its tooltip
// and as a caption beside it; switching model sends a new state, and this runs again.
function grey(el, why) {
  if (el.dataset.title === undefined) el.dataset.title = el.title; // its own tooltip, for when it is back
  el.disabled = Boolean(why);
  el.title = why || el.dataset.title;
}

function showModel(s) {
  const m = s.model;
  const caps = $("caps");
  caps.innerHTML = "";
  for (const c of m.capabilities || []) {
    const b = document.createElement("span");
    b.className = "cap";
    b.textContent = c.replace(/_/g, " ");
    b.title = (app.vocab.capabilities || {})[c] || c;
    caps.append(b);
  }
  if (!(m.capabilities || []).length) {
    const none = document.createElement("span");
    none.className = "none";
    none.textContent = "morphs and samples";
    none.title = "this model takes no chords and grooves nothing: Groove, Drumify and chords are greyed out";
    caps.append(none);
  }
  const weak = new Set(m.weak_knobs || []);
  const noVector = new Set(m.no_vector || []);
  for (const [name, k] of Object.entries(knobInputs)) {
    if (!app.vocab.attributes.includes(name)) continue;
    let mark = k.label.querySelector(".weak-mark");
    if (weak.has(name) && !mark) {
      mark = document.createElement("span");
      mark.className = "weak-mark";
      mark.textContent = "≈ weak";
      k.label.append(mark);
    } else if (!weak.has(name) && mark) { mark.remove(); mark = null; }
    if (mark) mark.title = `${name.replace(/_/g, " ")} ${app.vocab.weak_knob}`;
    k.box.classList.toggle("weak", weak.has(name));
    const off = noVector.has(name) ? `${m.choice} has no attribute vector for ${name}: the knob does nothing on it` : "";
    k.box.classList.toggle("off", Boolean(off));
    k.input.disabled = Boolean(off);
    k.box.title = off || (weak.has(name) ? `${k.spec.doc || name}. Weak: ${app.vocab.weak_knob}` : k.spec.doc || "");
  }
  const why = m.unavailable || {};
  for (const el of Object.values(slotEls)) {
    grey(el.querySelector(".sample"), why.sample);
    grey(el.querySelector(".vary"), why.vary);
  }
}

// The Groove box, the new clips and the chords.
function showTools(s) {
  const why = s.model.unavailable || {};
  const src = $("tool-source");
  if (s.slotsChanged) {
    const tool = s.tool;
    $("groove-box").querySelector(".slot-title").textContent = tool ? tool.title : "";
    drawClip($("tool-clip"), tool ? tool.notes : [], [], tool ? tool.length : 4);
    src.options[0].textContent = tool ? `dropped here: ${tool.title}` : "dropped here (none yet)";
    for (const name of app.vocab.slots) {
      const view = s.slots[name];
      let opt = src.querySelector(`option[value="${name}"]`);
      if (!opt) { opt = new Option("", name); src.add(opt); }
      const clip = view && (view.source.kind === "clip" || view.source.kind === "variation");
      opt.textContent = `slot ${name}` + (clip ? `: ${view.title || "its clip"}` : " (no clip)");
      opt.disabled = !clip;
    }
    if (src.selectedOptions[0] && src.selectedOptions[0].disabled) src.value = "tool";
    if (src.value === "tool" && !tool) {
      const filled = [...src.options].find((o) => o.value !== "tool" && !o.disabled);
      if (filled) src.value = filled.value;
    }
  }
  grey($("groove"), why.groove);
  grey($("drumify"), why.drumify);
  const lines = [why.groove, why.drumify].filter(Boolean);
  const model = s.model.choice === s.model.name ? s.model.name : `${s.model.choice} (${s.model.name})`;
  $("groove-why").textContent = lines.length === 2 ? `${model} grooves nothing: Groove and Drumify need a GrooVAE model (segue models pull groovae_2bar_humanize, tap2drum_2bar)` : lines.join("");
  for (const id of ["chords-text", "chords-set", "chords-from-clip"]) grey($(id), why.chords);
  $("chords-why").textContent = why.chords || "";
  const read = $("chords-read");
  if (app.chordsText !== s.chords.text) { // changed (here, or by another client): the field shows it
    app.chordsText = s.chords.text;
    read.classList.remove("error");
    if (document.activeElement !== $("chords-text")) $("chords-text").value = s.chords.text;
  }
  if (!read.classList.contains("error")) read.textContent = chordsCaption(s.chords.text);
}

function chordsCaption(text) {
  const why = app.state ? app.state.model.unavailable || {} : {};
  return text ? `${why.chords ? "kept (not heard on this model)" : "as read"}: ${text}` : "no progression";
}

// The chord(s) of `bar` (looped), split evenly when a bar holds several; the one under `beat`.
function chordAt(beat) {
  const s = app.state;
  if (!s || !s.chords || !s.chords.bars.length) return null;
  const bar = Math.floor(beat / 4);
  const chords = s.chords.bars[((bar % s.chords.bars.length) + s.chords.bars.length) % s.chords.bars.length];
  return chords[Math.min(chords.length - 1, Math.floor(((beat % 4) / 4) * chords.length))];
}

function barChords(bar) {
  const s = app.state;
  if (!s || !s.chords || !s.chords.bars.length || (s.model.unavailable || {}).chords) return "";
  return s.chords.bars[bar % s.chords.bars.length].join(" ");
}

function showResults() {
  const box = $("results");
  box.innerHTML = "";
  if (!app.results.length) {
    const none = document.createElement("div");
    none.className = "dim";
    none.id = "no-results";
    none.textContent = "none yet: Groove or Drumify a clip";
    box.append(none);
    return;
  }
  for (const r of [...app.results].reverse()) {
    const el = document.createElement("div");
    el.className = "result";
    el.dataset.result = r.id;
    const head = document.createElement("div");
    head.className = "result-head";
    const name = document.createElement("b");
    name.textContent = r.action === "drumify" ? "drumified" : "grooved";
    const what = document.createElement("span");
    what.className = "result-title";
    what.textContent = r.title;
    const get = document.createElement("button");
    get.className = "get";
    get.textContent = ".mid";
    get.title = `download ${r.filename}`;
    get.addEventListener("click", () => download(`result=${r.id}`));
    head.append(name, what, get);
    const meta = document.createElement("div");
    meta.className = "result-meta";
    meta.textContent = `amount ${r.amount.toFixed(2)} · temp ${r.temperature.toFixed(2)} · ${r.notes.length} notes`;
    el.title = `${r.action === "drumify" ? "drumified" : "grooved"} ${r.title} on ${r.model}: ${meta.textContent}`;
    const canvas = document.createElement("canvas");
    canvas.className = "clip";
    canvas.width = 220;
    canvas.height = 60;
    el.append(head, meta, canvas);
    box.append(el);
    drawClip(canvas, r.notes, r.source_notes, r.length);
  }
}

async function regroove(op) {
  const fields = { source: $("tool-source").value, amount: parseFloat($("groove-amount").value),
                   temperature: parseFloat($("groove-temperature").value) };
  slotError("tool", op === "drumify" ? "drumifying…" : "grooving…");
  try {
    await request(op, fields);
    slotError("tool", "");
  } catch (e) { slotError("tool", e.message); }
}

async function setChords(op, fields) {
  const read = $("chords-read");
  try {
    const r = await request(op, fields);
    app.chordsText = r.chords; // the state that follows brings the same: it must not clear a later error
    read.classList.remove("error");
    read.textContent = chordsCaption(r.chords);
    $("chords-text").value = r.chords;
  } catch (e) {
    read.classList.add("error");
    read.textContent = e.message;
  }
}

function wireTools() {
  takesFile($("groove-box"), $("tool-load"), $("tool-file"),
             (f) => upload("tool", f).then((ok) => { if (ok) $("tool-source").value = "tool"; }));
  for (const name of ["amount", "temperature"]) {
    const input = $(`groove-${name}`);
    input.addEventListener("input", () => { $(`groove-${name}-value`).textContent = parseFloat(input.value).toFixed(2); });
  }
  $("groove").addEventListener("click", () => regroove("groove"));
  $("drumify").addEventListener("click", () => regroove("drumify"));
  $("chords-set").addEventListener("click", () => setChords("chords", { text: $("chords-text").value }));
  $("chords-text").addEventListener("keydown", (e) => { if (e.key === "Enter") setChords("chords", { text: $("chords-text").value }); });
  $("chords-from-clip").addEventListener("click", () => setChords("chords_from_clip", { source: $("tool-source").value }));
}

// --- sessions -------------------------------------------------------------------------------------
function fillSessions(list) {
  const sel = $("sessions");
  sel.innerHTML = "";
  const names = { midi: "MIDI ports", panel: "panel", device: "device" };
  const seen = new Set();
  for (const s of list) {
    seen.add(s.instance);
    sel.add(new Option(`${s.instance} (${names[s.kind] || s.kind})`, s.instance));
  }
  if (app.instance && !seen.has(app.instance)) sel.add(new Option(app.instance, app.instance));
  if (app.instance) sel.value = app.instance;
}

function refreshSessions() {
  request("sessions").then((r) => fillSessions(r.sessions), () => {});
}

// --- the live roll and the playhead ------------------------------------------------------------------
let dirty = true;

function frame() {
  const beat = beatNow();
  const bar = Math.floor(beat / 4);
  if (app.clock.playing) {
    for (let b = Math.max(0, bar - 8); b < bar; b++) if (!app.bars.has(b)) app.missing.add(b);
    if (bar !== app.lastBar) {
      app.lastBar = bar;
      if (pad && pad.following) {
        const p = pad.pathPoint(bar + 1); // heard from the next bar on
        if (p) pad.set(p[0], p[1], true);
      }
    }
  }
  drawLive($("live"), app.bars, beat, app.missing, 6, barChords);
  const chordsHeard = app.state && !(app.state.model.unavailable || {}).chords;
  const now = chordsHeard ? chordAt(beat) : null;
  $("chord-now").textContent = now ? `bar ${bar + 1}: ${now}` : "";
  if (dirty) {
    dirty = false;
    if (app.received.version > app.drawn.version) app.drawn = { version: app.received.version, at: performance.now() };
  }
  $("beat").textContent = `bar ${bar + 1} beat ${Math.floor(beat % 4) + 1}`;
  requestAnimationFrame(frame);
}

// --- wiring -----------------------------------------------------------------------------------------
function wire() {
  wireTools();
  pad = new Pad($("pad"), (x, y) => {
    $("xy-readout").textContent = `x ${x.toFixed(2)} y ${y.toFixed(2)}`;
    request("xy", { x, y }).catch((e) => showProblem(e.message));
  });
  app.pad = pad;
  $("draw-path").addEventListener("click", () => { pad.drawing = true; pad.following = false; pad.path = []; pad.draw(); });
  $("pad").addEventListener("pathdone", () => { $("follow-path").disabled = pad.path.length < 2; });
  $("follow-path").addEventListener("click", () => {
    pad.following = !pad.following;
    $("follow-path").textContent = pad.following ? "Stop following" : "Follow path";
    pad.draw();
  });
  $("clear-path").addEventListener("click", () => { pad.path = []; pad.following = false; $("follow-path").disabled = true; pad.draw(); });
  $("pad-off").addEventListener("click", () => request("pad", { on: false }).catch((e) => showProblem(e.message)));
  const transport = (playing, extra = {}) =>
    request("transport", { ...(playing == null ? {} : { playing }), tempo: parseFloat($("tempo").value) || 120, ...extra })
      .catch((e) => showProblem(e.message));
  $("play").addEventListener("click", () => { if (listening) synth.start(); transport(true); });
  $("stop").addEventListener("click", () => transport(false));
  $("rewind").addEventListener("click", () => transport(null, { rewind: true }));
  $("tempo").addEventListener("change", () => { if (app.drive === "own") transport(null); });
  $("drive").addEventListener("change", () => setDrive($("drive").value));
  $("listen").addEventListener("change", () => { listening = $("listen").checked; if (listening) synth.start(); });
  $("volume").addEventListener("input", () => synth.setVolume(parseFloat($("volume").value)));
  $("sessions").addEventListener("change", () => attach($("sessions").value).catch((e) => showProblem(e.message)));
  $("sessions").addEventListener("focus", refreshSessions);
  $("new-session").addEventListener("click", () => attach("").catch((e) => showProblem(e.message)));
  $("models").addEventListener("change", () => request("model", { name: $("models").value }).catch((e) => showProblem(e.message)));
  $("card-button").addEventListener("click", async () => {
    try {
      const r = await request("card");
      $("card-text").textContent = (r.card || `No model card beside this model.\n\nconfig: ${r.config}\nlicence: ${r.licence}\n`) +
        (Object.keys(r.training).length ? `\n\ntraining: ${JSON.stringify(r.training, null, 1)}` : "");
      $("card").showModal();
    } catch (e) { showProblem(e.message); }
  });
  $("download").addEventListener("click", () => download(`bars=${$("download-bars").value}`));
  $("download-morph").addEventListener("click", () => download(`morph=${parseInt($("morph-steps").value, 10) || 8}`));
  if (midiOut.supported) {
    $("midi-out").addEventListener("focus", async () => {
      try {
        const outs = await midiOut.outputs();
        const sel = $("midi-out");
        const keep = sel.value;
        sel.innerHTML = "";
        sel.add(new Option("(none)", ""));
        for (const o of outs) sel.add(new Option(o.name, o.id));
        sel.value = keep;
      } catch (e) { showProblem(`Web MIDI: ${e.message}`); }
    });
    $("midi-out").addEventListener("change", () => midiOut.choose($("midi-out").value));
  } else {
    $("midi-out").disabled = true;
    $("midi-out").title = "this browser has no Web MIDI";
  }
  setInterval(() => {
    if (listening || midiOut.port) player.tick(app.bars, { beat: beatNow(), tempo: app.clock.tempo, playing: app.clock.playing });
  }, 25);
  requestAnimationFrame(frame);
}

// Follow the session's clock (a MIDI clock, a device) or run the panel's own.
function setDrive(drive) {
  app.drive = drive;
  $("drive").value = drive;
  for (const id of ["play", "stop", "rewind"]) $(id).disabled = drive === "follow";
}

async function download(query) {
  try {
    const res = await fetch(`/api/download?conn=${encodeURIComponent(app.conn || "")}&${query}`, { headers: { "X-Segue-Token": token } });
    if (!res.ok) { showProblem((await res.json().catch(() => ({ error: res.statusText }))).error); return; }
    const name = /filename="([^"]+)"/.exec(res.headers.get("Content-Disposition") || "")?.[1] || "segue.mid";
    const url = URL.createObjectURL(await res.blob());
    const a = document.createElement("a");
    a.href = url;
    a.download = name;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
    app.downloaded = name;
  } catch (e) { showProblem(`download failed: ${e.message}`); }
}

wire();
connect();
