// The XY pad: four corners (A top left, B top right, C bottom left, D bottom right), a puck the
// pointer drags and the arrow keys move, and a path the puck can follow one point a bar.
// x and y run 0..1; the engine blends the corners' codes (engine/generate.py xy_blend).

export const CORNERS = ["A", "B", "C", "D"];
const SNAP = 0.04; // a drop this close to a corner lands on it exactly (the corner's own clip)

export function clamp01(v) {
  return Math.min(1, Math.max(0, v));
}

// A point near a corner lands on it; anything else is kept.
export function snapToCorner(x, y) {
  const cx = x < 0.5 ? 0 : 1;
  const cy = y < 0.5 ? 0 : 1;
  return Math.hypot(x - cx, y - cy) <= SNAP ? [cx, cy] : [x, y];
}

// A drawn path resampled to `count` points evenly spaced along its length.
export function resample(points, count) {
  if (points.length < 2 || count < 2) return points.slice(0, 1);
  const lengths = [0];
  for (let i = 1; i < points.length; i++) {
    lengths.push(lengths[i - 1] + Math.hypot(points[i][0] - points[i - 1][0], points[i][1] - points[i - 1][1]));
  }
  const total = lengths[lengths.length - 1] || 1;
  const out = [];
  let j = 1;
  for (let k = 0; k < count; k++) {
    const at = (total * k) / (count - 1);
    while (j < points.length - 1 && lengths[j] < at) j++;
    const span = lengths[j] - lengths[j - 1] || 1;
    const f = clamp01((at - lengths[j - 1]) / span);
    out.push([points[j - 1][0] + f * (points[j][0] - points[j - 1][0]),
              points[j - 1][1] + f * (points[j][1] - points[j - 1][1])]);
  }
  return out;
}

export class Pad {
  // onMove(x, y) is called (throttled to one call every `every` ms, the last move always sent)
  constructor(canvas, onMove, every = 40) {
    this.canvas = canvas;
    this.onMove = onMove;
    this.every = every;
    this.x = 0;
    this.y = 0;
    this.filled = [false, false, false, false];
    this.labels = CORNERS.slice();
    this.path = [];
    this.drawing = false;
    this.following = false;
    this.active = false; // the session's pad is on (its corners named)
    this._last = 0;
    this._timer = null;
    this._down = false;
    this.movedAt = -Infinity; // when the producer last moved the puck here
    canvas.tabIndex = 0;
    canvas.addEventListener("pointerdown", (e) => this._pointer(e, "down"));
    canvas.addEventListener("pointermove", (e) => this._pointer(e, "move"));
    canvas.addEventListener("pointerup", (e) => this._pointer(e, "up"));
    canvas.addEventListener("pointercancel", (e) => this._pointer(e, "up"));
    canvas.addEventListener("keydown", (e) => this._key(e));
    this.draw();
  }

  _at(e) {
    const r = this.canvas.getBoundingClientRect();
    return [clamp01((e.clientX - r.left) / r.width), clamp01((e.clientY - r.top) / r.height)];
  }

  _pointer(e, kind) {
    if (kind === "down") {
      this._down = true;
      this.canvas.focus();
      if (this.canvas.setPointerCapture) {
        try { this.canvas.setPointerCapture(e.pointerId); } catch (_) { /* synthetic events */ }
      }
      if (this.drawing) this.path = [];
    }
    if (!this._down) return;
    const [x, y] = this._at(e);
    if (this.drawing) {
      this.path.push([x, y]);
      this.draw();
    } else {
      const [sx, sy] = kind === "up" ? snapToCorner(x, y) : [x, y];
      this.set(sx, sy, true);
    }
    if (kind === "up") {
      this._down = false;
      if (this.drawing) {
        this.drawing = false;
        this.canvas.dispatchEvent(new CustomEvent("pathdone", { detail: this.path.length }));
      }
    }
    e.preventDefault();
  }

  _key(e) {
    const step = e.shiftKey ? 0.01 : 0.05;
    const moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
    const m = moves[e.key];
    if (!m) return;
    e.preventDefault();
    this.set(clamp01(this.x + m[0]), clamp01(this.y + m[1]), true);
  }

  // Whether the engine's word on the puck may move it: not while the producer moves it here.
  settled() {
    return !this._down && performance.now() - this.movedAt > 600;
  }

  // Move the puck; `send` tells the engine (throttled), else only the drawing follows.
  set(x, y, send) {
    this.x = x;
    this.y = y;
    this.draw();
    if (!send) return;
    const now = performance.now();
    this.movedAt = now;
    clearTimeout(this._timer);
    if (now - this._last >= this.every) {
      this._last = now;
      this.onMove(x, y);
    } else {
      this._timer = setTimeout(() => { this._last = performance.now(); this.onMove(this.x, this.y); },
                               this.every - (now - this._last));
    }
  }

  // The path point for song bar `bar` (the path loops), or null without a path.
  pathPoint(bar) {
    if (this.path.length < 2) return null;
    const points = resample(this.path, Math.min(64, Math.max(2, Math.round(this.path.length / 4))));
    return points[((bar % points.length) + points.length) % points.length];
  }

  draw() {
    const c = this.canvas;
    const g = c.getContext("2d");
    const w = c.width;
    const h = c.height;
    g.clearRect(0, 0, w, h);
    const grad = g.createLinearGradient(0, 0, w, h);
    grad.addColorStop(0, "#1f2a44");
    grad.addColorStop(1, "#2b1f3d");
    g.fillStyle = grad;
    g.fillRect(0, 0, w, h);
    g.strokeStyle = "rgba(255,255,255,0.08)";
    for (let k = 1; k < 4; k++) {
      g.beginPath(); g.moveTo((w * k) / 4, 0); g.lineTo((w * k) / 4, h); g.stroke();
      g.beginPath(); g.moveTo(0, (h * k) / 4); g.lineTo(w, (h * k) / 4); g.stroke();
    }
    const spots = [[0, 0], [1, 0], [0, 1], [1, 1]];
    g.font = "bold 16px system-ui, sans-serif";
    spots.forEach(([cx, cy], i) => {
      const px = cx * (w - 28) + 14;
      const py = cy * (h - 28) + 14;
      g.fillStyle = this.filled[i] ? "#f5b942" : "rgba(255,255,255,0.25)";
      g.beginPath(); g.arc(px, py, 12, 0, 2 * Math.PI); g.fill();
      g.fillStyle = "#111";
      g.textAlign = "center"; g.textBaseline = "middle";
      g.fillText(this.labels[i], px, py + 1);
    });
    if (this.path.length > 1) {
      g.strokeStyle = this.following ? "#7fd1ff" : "rgba(127,209,255,0.5)";
      g.lineWidth = 2;
      g.beginPath();
      this.path.forEach(([x, y], i) => (i ? g.lineTo(x * w, y * h) : g.moveTo(x * w, y * h)));
      g.stroke();
      g.lineWidth = 1;
    }
    g.fillStyle = this.active ? "#ff6b6b" : "rgba(255,107,107,0.55)";
    g.strokeStyle = "#fff";
    g.lineWidth = 2;
    g.beginPath(); g.arc(this.x * w, this.y * h, 9, 0, 2 * Math.PI); g.fill(); g.stroke();
    g.lineWidth = 1;
  }
}
