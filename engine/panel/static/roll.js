// Piano rolls on canvases: a slot's clip (with the model's reconstruction over it) and the live
// roll of the bars as they stream (the playhead, each bar's version, late and missing bars).
// Notes are [pitch, start, duration, velocity], times in beats.

function pitchRange(lists, pad = 2) {
  let lo = 127;
  let hi = 0;
  for (const notes of lists) for (const n of notes) { lo = Math.min(lo, n[0]); hi = Math.max(hi, n[0]); }
  if (lo > hi) return [55, 79];
  lo = Math.max(0, lo - pad);
  hi = Math.min(127, hi + pad);
  if (hi - lo < 12) { const mid = (hi + lo) / 2; lo = Math.max(0, Math.floor(mid - 6)); hi = Math.min(127, lo + 12); }
  return [lo, hi];
}

// A canvas cleared to `background`: its context, width and height.
function blank(canvas, background) {
  const g = canvas.getContext("2d");
  const w = canvas.width;
  const h = canvas.height;
  g.clearRect(0, 0, w, h);
  g.fillStyle = background;
  g.fillRect(0, 0, w, h);
  return [g, w, h];
}

// A slot: its notes (filled) and the reconstruction (outlined), `length` beats across.
export function drawClip(canvas, notes, recon, length) {
  const [g, w, h] = blank(canvas, "#151a26");
  if (!notes || !notes.length) {
    g.fillStyle = "rgba(255,255,255,0.35)";
    g.font = "12px system-ui, sans-serif";
    g.textAlign = "center";
    g.fillText("drop a .mid here", w / 2, h / 2);
    return;
  }
  const beats = Math.max(4, length || 4);
  const [lo, hi] = pitchRange([notes, recon || []]);
  const rowH = h / (hi - lo + 1);
  const x = (b) => (b / beats) * w;
  const y = (p) => h - (p - lo + 1) * rowH;
  g.strokeStyle = "rgba(255,255,255,0.07)";
  for (let b = 4; b < beats; b += 4) { g.beginPath(); g.moveTo(x(b), 0); g.lineTo(x(b), h); g.stroke(); }
  g.fillStyle = "#f5b942";
  for (const n of notes) g.fillRect(x(n[1]), y(n[0]), Math.max(2, x(n[2]) - 1), Math.max(2, rowH - 1));
  if (recon && recon !== notes) {
    g.strokeStyle = "#7fd1ff";
    for (const n of recon) g.strokeRect(x(n[1]) + 0.5, y(n[0]) + 0.5, Math.max(2, x(n[2]) - 1), Math.max(2, rowH - 1));
  }
}

// The live roll: `bars` maps a bar index to {version, notes, late}; `missing` is a Set of bars the
// playhead passed with nothing received. Shows `span` bars from the bar before the playhead;
// `labelOf(bar)` adds to a bar's heading (the chords a chord model reads there).
export function drawLive(canvas, bars, playhead, missing, span = 6, labelOf = null) {
  const [g, w, h] = blank(canvas, "#10141d");
  const first = Math.max(0, Math.floor(playhead / 4) - 1);
  const shown = [];
  for (let b = first; b < first + span; b++) if (bars.has(b)) shown.push(bars.get(b).notes);
  const [lo, hi] = pitchRange(shown, 3);
  const rowH = (h - 18) / (hi - lo + 1);
  const bw = w / span;
  const x = (beat) => ((beat - first * 4) / 4) * bw;
  const y = (p) => h - (p - lo + 1) * rowH;
  g.font = "11px system-ui, sans-serif";
  g.textBaseline = "top";
  for (let k = 0; k < span; k++) {
    const b = first + k;
    const left = k * bw;
    g.strokeStyle = "rgba(255,255,255,0.12)";
    g.beginPath(); g.moveTo(left, 0); g.lineTo(left, h); g.stroke();
    const entry = bars.get(b);
    g.fillStyle = "rgba(255,255,255,0.55)";
    g.textAlign = "left";
    g.fillText(`bar ${b + 1}` + (entry ? `  v${entry.version}` : ""), left + 4, 3);
    const label = labelOf ? labelOf(b) : "";
    if (label) {
      g.fillStyle = "#cfe0ff";
      g.fillText(label, left + 80, 3);
    }
    if (missing.has(b) && !entry) {
      g.fillStyle = "rgba(160,160,160,0.18)";
      g.fillRect(left, 16, bw, h - 16);
      g.fillStyle = "#bbb";
      g.fillText("missing", left + 4, 18);
    }
    if (!entry) continue;
    if (entry.late) {
      g.fillStyle = "rgba(255,80,80,0.85)";
      g.fillRect(left, 14, bw, 3);
      g.fillText("late", left + bw - 28, 3);
    }
    g.fillStyle = entry.version % 2 ? "#7fd1ff" : "#8ce99a";
    for (const n of entry.notes) {
      g.fillRect(x(b * 4 + n[1]), y(n[0]), Math.max(2, (n[2] / 4) * bw - 1), Math.max(2, rowH - 1));
    }
  }
  const px = x(playhead);
  g.strokeStyle = "#ff6b6b";
  g.lineWidth = 2;
  g.beginPath(); g.moveTo(px, 0); g.lineTo(px, h); g.stroke();
  g.lineWidth = 1;
}
