// A minimal OSC 1.0 codec for the end-to-end test, typing numbers the way Max's [udpsend] does:
// integers as int32 'i', other numbers as float32 'f', strings as 's'. Decodes messages and bundles.
"use strict";

function padded(str) {
  const b = Buffer.from(str, "utf8");
  const out = Buffer.alloc((b.length + 4) & ~3);
  b.copy(out);
  return out;
}

function encode(msg) {
  const [address, ...args] = msg;
  let tags = ",";
  const parts = [];
  for (const a of args) {
    if (typeof a === "string") { tags += "s"; parts.push(padded(a)); }
    else if (Number.isInteger(a)) { tags += "i"; const b = Buffer.alloc(4); b.writeInt32BE(a); parts.push(b); }
    else if (typeof a === "number") { tags += "f"; const b = Buffer.alloc(4); b.writeFloatBE(a); parts.push(b); }
    else throw new Error("cannot send " + typeof a);
  }
  return Buffer.concat([padded(address), padded(tags), ...parts]);
}

function readString(buf, at) {
  let end = at;
  while (buf[end] !== 0) end++;
  return [buf.toString("utf8", at, end), (end + 4) & ~3];
}

function decode(buf, out = []) {
  if (buf.toString("ascii", 0, 8) === "#bundle\0") {
    let at = 16;
    while (at < buf.length) {
      const size = buf.readInt32BE(at);
      decode(buf.subarray(at + 4, at + 4 + size), out);
      at += 4 + size;
    }
    return out;
  }
  let [address, at] = readString(buf, 0);
  let tags;
  [tags, at] = readString(buf, at);
  const args = [];
  for (const t of tags.slice(1)) {
    if (t === "i") { args.push(buf.readInt32BE(at)); at += 4; }
    else if (t === "f") { args.push(buf.readFloatBE(at)); at += 4; }
    else if (t === "s") { let s; [s, at] = readString(buf, at); args.push(s); }
    else if (t === "d") { args.push(buf.readDoubleBE(at)); at += 8; }
    else if (t === "h") { args.push(Number(buf.readBigInt64BE(at))); at += 8; }
    else if (t === "T" || t === "F") args.push(t === "T" ? 1 : 0);
    else throw new Error("unknown OSC type " + t);
  }
  out.push([address, args]);
  return out;
}

module.exports = { encode, decode };
