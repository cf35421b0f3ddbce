// Helpers shared by parity.js and bench.js.
'use strict';
const fs = require('fs');
const http = require('http');
const path = require('path');

// Magenta.js fetches checkpoints over HTTP only (node-fetch rejects paths and file:// URLs), so a
// checkpoint folder is served from a throwaway server on 127.0.0.1 under /ckpt/.
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

// The encoder input Segue builds from class indices (B, T, heads): one-hots, or for drums the 9-bit
// roll plus the "nothing hit" bit. `tf` is passed in: bench.js picks its backend before loading tfjs.
function inputTensor(tf, kind, idx, depths) {
  return tf.tidy(() => {
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

// Both scripts run as `node SCRIPT REQUEST.json RESULT.json`.
function readRequest() {
  return JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
}

// Serve the request's checkpoint, run `body(url)` (the checkpoint's URL) for the result, and write
// the result to RESULT.json; any error goes to stderr with exit status 1.
function runOnCheckpoint(request, body) {
  (async () => {
    const server = await serve(request.checkpoint);
    let result;
    try {
      result = await body(`http://127.0.0.1:${server.address().port}/ckpt`);
    } finally {
      server.close();
    }
    fs.writeFileSync(process.argv[3], JSON.stringify(result));
  })().catch((e) => {
    console.error(e && e.stack ? e.stack : String(e));
    process.exit(1);
  });
}

module.exports = {serve, inputTensor, readRequest, runOnCheckpoint};
