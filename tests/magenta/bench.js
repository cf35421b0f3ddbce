'use strict';
// Time the real Magenta.js MusicVAE on a checkpoint folder, for bench/bench_magenta.py.
//
//   node bench.js REQUEST.json RESULT.json
//
// REQUEST: {
//   "checkpoint": "/abs/folder",        config.json, weights_manifest.json and shards
//   "backend": "cpu"|"wasm",            tfjs backend (wasm: @tensorflow/tfjs-backend-wasm 2.8.6)
//   "reps": int,                        timed calls per measurement, after one warm-up call
//   "input": "melody"|"drums"|"trio",   how "indices" become the encoder input (one-hot / drum roll)
//   "depths": [int],                    output depth of each head
//   "indices": [[[int]]],               (B, T, heads) class indices to encode
//   "z": {"1": [[float]], "16": ...}    z per batch size, decoded with argmax (no temperature)
// }
// RESULT: {backend, simd, threads, init_ms, encode_ms: [ms per call], decode_ms: {batch: [ms]},
//          mu: [[float]], tokens: {batch: (B, T, heads)}}
//
// What a call times, matching Segue's LatentModel.encode / .decode: encode = indices -> encoder
// input -> mu, read back to JS; decode = z -> argmax decode -> class indices, read back. The
// indices and z tensors are made outside the timing, as Segue's are.
//
// wasm under Node 20: Emscripten would fetch the .wasm with the global fetch and abort ("Only
// absolute URLs are supported"), so the global fetch is deleted before the backend initialises;
// tfjs then loads weights with node-fetch. tfjs-backend-wasm 2.8.6 has no Multinomial kernel, so
// only greedy (argmax) decoding runs there, which is all this script does. Threads: the cpu
// backend is plain JS on one thread; wasm 2.8.6 turns its multithreaded build off under Node.
const {readRequest, runOnCheckpoint, inputTensor: toInput} = require('./common');

const request = readRequest();
if (request.backend === 'wasm') {
  delete global.fetch;
}
const tf = require('@tensorflow/tfjs');
if (request.backend === 'wasm') {
  require('@tensorflow/tfjs-backend-wasm');
}
const {MusicVAE} = require('@magenta/music/node/music_vae');
const inputTensor = (...args) => toInput(tf, ...args);


const now = () => Number(process.hrtime.bigint()) / 1e6;

async function timed(fn, reps) {
  await fn();  // warm-up
  const times = [];
  for (let i = 0; i < reps; i++) {
    const t = now();
    await fn();
    times.push(now() - t);
  }
  return times;
}

runOnCheckpoint(request, async (url) => {
  await tf.setBackend(request.backend);
  await tf.ready();
  if (tf.getBackend() !== request.backend) {
    throw new Error(`asked for the ${request.backend} backend, got ${tf.getBackend()}`);
  }
  const result = {backend: tf.getBackend(), decode_ms: {}, tokens: {}};
  if (request.backend === 'wasm') {
    result.simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    result.threads = (await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) ? 'multithreaded' : 1;
  } else {
    result.threads = 1;
  }
  const model = new MusicVAE(url);
  const t = now();
  await model.initialize();
  result.init_ms = now() - t;

  const idx = tf.tensor3d(request.indices, undefined, 'int32');
  const encode = async () => {
    const x = inputTensor(request.input, idx, request.depths);
    const mu = await model.encodeTensors(x);
    const values = await mu.array();
    tf.dispose([x, mu]);
    return values;
  };
  result.encode_ms = await timed(encode, request.reps);
  result.mu = await encode();
  idx.dispose();

  for (const [batch, zs] of Object.entries(request.z)) {
    const z = tf.tensor2d(zs);
    const decode = async () => {
      const out = await model.decodeTensors(z, undefined);  // no temperature: argmax
      const tokens = tf.tidy(() => tf.stack(tf.split(out, request.depths, 2).map((p) => p.argMax(2)), 2));
      const values = await tokens.array();
      tf.dispose([out, tokens]);
      return values;
    };
    result.decode_ms[batch] = await timed(decode, request.reps);
    result.tokens[batch] = await decode();
    z.dispose();
  }
  model.dispose();
  return result;
});
