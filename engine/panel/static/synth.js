// Listening without a DAW: a small WebAudio synth, and Web MIDI output where the browser allows it.
// The Player schedules each bar's notes a little ahead of the playhead, from the newest version of
// the bar that arrived before the bar began (as the device and the MIDI session do).

const AHEAD = 0.15; // seconds scheduled ahead of the playhead

export class Synth {
  constructor() {
    this.ctx = null;
    this.volume = 0.25;
  }

  start() {
    if (!this.ctx) {
      const Ctx = window.AudioContext || window.webkitAudioContext;
      if (!Ctx) return false;
      this.ctx = new Ctx();
      this.master = this.ctx.createGain();
      this.master.gain.value = this.volume;
      this.master.connect(this.ctx.destination);
    }
    if (this.ctx.state === "suspended") this.ctx.resume();
    return true;
  }

  setVolume(v) {
    this.volume = v;
    if (this.master) this.master.gain.value = v;
  }

  // A plucked triangle: pitch, seconds from now, seconds long, velocity 1..127
  note(pitch, inSeconds, seconds, velocity) {
    if (!this.ctx) return;
    const t0 = this.ctx.currentTime + Math.max(0, inSeconds);
    const osc = this.ctx.createOscillator();
    const env = this.ctx.createGain();
    osc.type = "triangle";
    osc.frequency.value = 440 * Math.pow(2, (pitch - 69) / 12);
    const peak = 0.2 + (0.8 * velocity) / 127;
    env.gain.setValueAtTime(0, t0);
    env.gain.linearRampToValueAtTime(peak, t0 + 0.008);
    env.gain.exponentialRampToValueAtTime(peak * 0.4, t0 + Math.min(0.3, seconds));
    env.gain.exponentialRampToValueAtTime(0.0001, t0 + seconds + 0.08);
    osc.connect(env).connect(this.master);
    osc.start(t0);
    osc.stop(t0 + seconds + 0.1);
  }
}

export class MidiOut {
  constructor() {
    this.access = null;
    this.port = null;
    this.channel = 0;
  }

  get supported() {
    return typeof navigator.requestMIDIAccess === "function";
  }

  async outputs() {
    if (!this.supported) return [];
    if (!this.access) this.access = await navigator.requestMIDIAccess();
    return Array.from(this.access.outputs.values());
  }

  choose(id) {
    this.port = null;
    if (this.access && id) this.port = this.access.outputs.get(id) || null;
  }

  note(pitch, inSeconds, seconds, velocity) {
    if (!this.port) return;
    const at = performance.now() + Math.max(0, inSeconds) * 1000;
    this.port.send([0x90 | this.channel, pitch, velocity], at);
    this.port.send([0x80 | this.channel, pitch, 0], at + seconds * 1000);
  }
}

export class Player {
  // outputs: objects with note(pitch, inSeconds, seconds, velocity)
  constructor(outputs) {
    this.outputs = outputs;
    this.done = new Map(); // bar -> beats already scheduled up to (within the bar)
    this.locked = new Map(); // bar -> the version it plays
  }

  reset() {
    this.done.clear();
    this.locked.clear();
  }

  // bars: Map bar -> {version, notes}; clock: {beat, tempo, playing} now
  tick(bars, clock) {
    if (!clock.playing) { this.reset(); return; }
    const beatsPerSecond = clock.tempo / 60;
    const until = clock.beat + AHEAD * beatsPerSecond;
    for (let b = Math.floor(clock.beat / 4); b * 4 < until; b++) {
      const entry = bars.get(b);
      if (!entry) continue;
      if (!this.locked.has(b) && clock.beat >= b * 4) this.locked.set(b, entry.version);
      const from = this.done.has(b) ? this.done.get(b) : Math.max(0, clock.beat - b * 4);
      const to = Math.min(4, until - b * 4);
      for (const n of entry.notes) {
        if (n[1] >= from && n[1] < to) {
          const inSeconds = (b * 4 + n[1] - clock.beat) / beatsPerSecond;
          for (const out of this.outputs) out.note(n[0], inSeconds, n[2] / beatsPerSecond, n[3]);
        }
      }
      this.done.set(b, to);
    }
    for (const b of this.done.keys()) if (b < Math.floor(clock.beat / 4) - 1) { this.done.delete(b); this.locked.delete(b); }
  }
}
