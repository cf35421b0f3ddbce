'use strict';
// Run the real Magenta.js MusicVAE on a checkpoint folder, for Segue's parity tests.
//
//   node parity.js REQUEST.json RESULT.json
//
// REQUEST: {
//   "checkpoint": "/abs/folder",        config.json, weights_manifest.json and shards
//   "sequences": [NoteSequence, ...],   quantized (stepsPerQuarter 4): encoded with the model's own
//                                       dataConverter -> "mu_sequences"
//   "indices": [[[int]]],               (B, T, heads) class indices, turned into the encoder input
//   "input": "melody"|"drums"|"trio",   here (one-hot / drum roll) and encoded -> "mu_tensors"
//   "depths": [int],                    output depth of each head
//   "z": [[float]]                      decoded with argmax (no temperature) -> "tokens" (B, T, heads)
// }
// Magenta.js fetches checkpoints over HTTP only (node-fetch rejects paths and file:// URLs), so the
// folder is served from a throwaway server on 127.0.0.1 for the length of the run.
const tf = require('@tensorflow/tfjs');
const {MusicVAE} = require('@magenta/music/node/music_vae');
const {readRequest, runOnCheckpoint, inputTensor: toInput} = require('./common');
const inputTensor = (...args) => toInput(tf, ...args);


const request = readRequest();
runOnCheckpoint(request, async (url) => {
  await tf.setBackend('cpu');
  await tf.ready();
  const result = {backend: tf.getBackend(), timings_ms: {}};
  const model = new MusicVAE(url);
  let t = Date.now();
  await model.initialize();
  result.timings_ms.initialize = Date.now() - t;

  if (request.sequences && request.sequences.length) {
    t = Date.now();
    const mu = await model.encode(request.sequences);
    result.mu_sequences = await mu.array();
    mu.dispose();
    result.timings_ms.encode_sequences = Date.now() - t;
  }
  if (request.indices && request.indices.length) {
    const x = inputTensor(request.input, tf.tensor3d(request.indices, undefined, 'int32'), request.depths);
    t = Date.now();
    const mu = await model.encodeTensors(x);
    result.mu_tensors = await mu.array();
    mu.dispose();
    x.dispose();
    result.timings_ms.encode_tensors = Date.now() - t;
  }
  if (request.z && request.z.length) {
    t = Date.now();
    const z = tf.tensor2d(request.z);
    const out = await model.decodeTensors(z, undefined);  // no temperature: argmax
    const parts = tf.split(out, request.depths, 2);
    const tokens = tf.stack(parts.map((p) => p.argMax(2)), 2);
    result.tokens = await tokens.array();
    tf.dispose([z, out, tokens, ...parts]);
    result.timings_ms.decode = Date.now() - t;
  }
  model.dispose();
  return result;
});
