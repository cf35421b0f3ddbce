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
const fs = require('fs');
const http = require('http');
const path = require('path');
const tf = require('@tensorflow/tfjs');
const {MusicVAE} = require('@magenta/music/node/music_vae');

function serve(root) {
  const base = path.resolve(root);
  const server = http.createServer((req, res) => {
    const rel = decodeURIComponent(new URL(req.url, 'http://127.0.0.1').pathname).replace(/^\/ckpt\//, '');
    const file = path.resolve(base, rel);
    if (!file.startsWith(base + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404);
      res.end();
      return;
    }
    res.writeHead(200, {'Content-Type': file.endsWith('.json') ? 'application/json' : 'application/octet-stream'});
    res.end(fs.readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function inputTensor(kind, indices, depths) {
  return tf.tidy(() => {
    const idx = tf.tensor3d(indices, undefined, 'int32');  // (B, T, heads)
    const heads = tf.unstack(idx, 2);
    if (kind === 'drums') {
      const bits = tf.tensor1d([1, 2, 4, 8, 16, 32, 64, 128, 256], 'int32');
      const d = heads[0].expandDims(2);  // (B, T, 1)
      const roll = tf.floorDiv(d, bits).mod(2);  // bit c of the index = class c hit
      const none = tf.equal(d, 0).toInt();
      return tf.concat([roll, none], 2).toFloat();
    }
    return tf.concat(heads.map((h, k) => tf.oneHot(h, depths[k])), 2).toFloat();
  });
}

async function main() {
  const [requestPath, resultPath] = process.argv.slice(2);
  const request = JSON.parse(fs.readFileSync(requestPath, 'utf8'));
  await tf.setBackend('cpu');
  await tf.ready();
  const server = await serve(request.checkpoint);
  const result = {backend: tf.getBackend(), timings_ms: {}};
  try {
    const url = `http://127.0.0.1:${server.address().port}/ckpt`;
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
      const x = inputTensor(request.input, request.indices, request.depths);
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
  } finally {
    server.close();
  }
  fs.writeFileSync(resultPath, JSON.stringify(result));
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : String(e));
  process.exit(1);
});
