'use strict';
// Run the real Magenta.js MusicVAE on a checkpoint folder, for Segue's parity tests.
//
//   node parity.js REQUEST.json RESULT.json
//
// REQUEST: {
//   "checkpoint": "/abs/folder",        config.json, weights_manifest.json and shards
//   "sequences": [NoteSequence, ...],   quantized (stepsPerQuarter 4): encoded with the model's own
//                                       dataConverter -> "mu_sequences"; its tensors -> "converter_tensors"
//   "indices": [[[int]]],               (B, T, heads) class indices, turned into the encoder input
//   "input": "melody"|"drums"|"trio",   here (one-hot / drum roll) and encoded -> "mu_tensors"
//   "depths": [int],                    output depth of each head
//   "inputs": [[[float]]],              (B, T, D) an encoder input as it is -> "mu_tensors"
//   "z": [[float]]                      decoded with argmax (no temperature) -> "tokens" (B, T, heads),
//                                       or with "raw": the decoder's output itself -> "decoded" (B, T, D)
//   "controls": {chordProgression, key, extraControls: {name: [[float]]}}   conditioning for all calls
//   "one_at_a_time": true               encode one item per call (Magenta.js's variable-length
//                                       segments take batch 1)
//   "to_sequences": [[[float]]]         (T, D) tensors -> the dataConverter's toNoteSequence -> "sequences_out"
//   "chord_checks": [{encoder, symbols}] each symbol encoded (or its error) -> "chords"
// }
// Magenta.js fetches checkpoints over HTTP only (node-fetch rejects paths and file:// URLs), so the
// folder is served from a throwaway server on 127.0.0.1 for the length of the run.
const tf = require('@tensorflow/tfjs');
const {MusicVAE} = require('@magenta/music/node/music_vae');
const {readRequest, runOnCheckpoint, inputTensor: toInput} = require('./common');
const inputTensor = (...args) => toInput(tf, ...args);

function controlArgs(c) {
  if (!c) return undefined;
  const out = {};
  if (c.chordProgression) out.chordProgression = c.chordProgression;
  if (c.key !== undefined && c.key !== null) out.key = c.key;
  if (c.extraControls) {
    out.extraControls = {};
    for (const [name, value] of Object.entries(c.extraControls)) out.extraControls[name] = tf.tensor2d(value);
  }
  return out;
}

async function encodeAll(model, x, controls, oneAtATime) {
  if (!oneAtATime) {
    const mu = await model.encodeTensors(x, controls);
    const out = await mu.array();
    mu.dispose();
    return out;
  }
  const out = [];
  for (const item of tf.split(x, x.shape[0])) {
    const mu = await model.encodeTensors(item, controls);
    out.push((await mu.array())[0]);
    mu.dispose();
    item.dispose();
  }
  return out;
}

function chordChecks(checks) {
  const {chords} = require('@magenta/music/node/core');
  return checks.map(({encoder, symbols}) => {
    const enc = chords.chordEncoderFromType(encoder);
    return symbols.map((s) => {
      try {
        const t = enc.encode(s);
        const v = t.arraySync();
        t.dispose();
        return v;
      } catch (e) {
        return {error: String(e.message || e)};
      }
    });
  });
}

const request = readRequest();
runOnCheckpoint(request, async (url) => {
  await tf.setBackend('cpu');
  await tf.ready();
  const result = {backend: tf.getBackend(), timings_ms: {}};
  if (request.chord_checks) result.chords = chordChecks(request.chord_checks);
  await runModel(url, result);
  return result;
});

async function runModel(url, result) {
  const model = new MusicVAE(url);
  let t = Date.now();
  await model.initialize();
  result.timings_ms.initialize = Date.now() - t;
  const controls = controlArgs(request.controls);

  if (request.sequences && request.sequences.length) {
    t = Date.now();
    const tensors = request.sequences.map((s) => model.dataConverter.toTensor(s));
    result.converter_tensors = tensors.map((x) => x.arraySync());
    const x = tf.stack(tensors);
    result.mu_sequences = await encodeAll(model, x, controls, request.one_at_a_time);
    tf.dispose([x, ...tensors]);
    result.timings_ms.encode_sequences = Date.now() - t;
  }
  let x = null;
  if (request.indices && request.indices.length) {
    x = inputTensor(request.input, tf.tensor3d(request.indices, undefined, 'int32'), request.depths);
  } else if (request.inputs && request.inputs.length) {
    x = tf.tensor3d(request.inputs);
  }
  if (x) {
    t = Date.now();
    result.mu_tensors = await encodeAll(model, x, controls, request.one_at_a_time);
    x.dispose();
    result.timings_ms.encode_tensors = Date.now() - t;
  }
  if (request.z && request.z.length) {
    t = Date.now();
    const z = tf.tensor2d(request.z);
    const out = await model.decodeTensors(z, undefined, controls);  // no temperature: argmax
    if (request.raw) {
      result.decoded = await out.array();
      tf.dispose([z, out]);
    } else {
      const parts = tf.split(out, request.depths, 2);
      const tokens = tf.stack(parts.map((p) => p.argMax(2)), 2);
      result.tokens = await tokens.array();
      tf.dispose([z, out, tokens, ...parts]);
    }
    result.timings_ms.decode = Date.now() - t;
  }
  if (request.to_sequences) {
    result.sequences_out = [];
    for (const arr of request.to_sequences) {
      const x2 = tf.tensor2d(arr);
      const ns = await model.dataConverter.toNoteSequence(x2, undefined, 120);
      result.sequences_out.push(ns.notes.map((n) => ({
        pitch: n.pitch, velocity: n.velocity || 0, startTime: n.startTime || 0, endTime: n.endTime || 0,
        quantizedStartStep: n.quantizedStartStep || 0, quantizedEndStep: n.quantizedEndStep || 0,
        isDrum: !!n.isDrum, program: n.program || 0, instrument: n.instrument || 0,
      })));
      x2.dispose();
    }
  }
  if (controls && controls.extraControls) tf.dispose(Object.values(controls.extraControls));
  model.dispose();
}
