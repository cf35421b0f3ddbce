// A client written with Node's `osc` package (not python-osc): hello, ping, an unknown address.
// Usage: node osc_ping.js ENGINE_PORT   Prints one JSON line per reply, then exits.
"use strict";
const osc = require("osc");

const enginePort = parseInt(process.argv[2], 10);
const port = new osc.UDPPort({ localAddress: "127.0.0.1", localPort: 0, remoteAddress: "127.0.0.1",
                               remotePort: enginePort, metadata: true });
const seen = [];
const done = (code) => { port.close(); process.exit(code); };
setTimeout(() => { console.log(JSON.stringify({ timeout: true, seen })); done(1); }, 5000);

port.on("message", (msg) => {
  const args = msg.args.map((a) => a.value);
  console.log(JSON.stringify({ address: msg.address, args }));
  seen.push(msg.address);
  if (msg.address === "/segue/hello") {
    port.send({ address: "/segue/ping", args: [{ type: "i", value: 2 }] });
  } else if (msg.address === "/segue/pong") {
    port.send({ address: "/segue/no/such/thing", args: [{ type: "i", value: 3 }] });
  } else if (msg.address === "/segue/error") {
    done(0);
  }
});
port.on("ready", () => {
  const replyPort = port.socket.address().port;
  port.send({ address: "/segue/hello", args: [
    { type: "i", value: 1 }, { type: "s", value: "node-client" }, { type: "i", value: replyPort }] });
});
port.open();
