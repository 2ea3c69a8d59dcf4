// A crafted daemon API call, run as a node user (runuser): reads the user's own token file and
// sends one JSON-RPC request (argv[4], JSON) on the node's socket; prints the response frame.
// Usage: node raw-call.mjs SOCKET TOKEN_FILE METHOD PARAMS_JSON
import { readFileSync } from 'node:fs';
import { WebSocket } from 'ws';

const [socket, tokenFile, method, params] = process.argv.slice(2);
let token = '';
try {
  token = readFileSync(tokenFile, 'utf8').trim();
} catch (err) {
  console.log(JSON.stringify({ readError: err.code }));
}
const ws = new WebSocket(`ws+unix://${socket}:/`, token === '' ? {} : { headers: { authorization: `Bearer ${token}` } });
ws.on('open', () => ws.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: JSON.parse(params) })));
ws.on('message', (data) => {
  console.log(String(data));
  ws.close();
});
ws.on('close', () => process.exit(0));
ws.on('error', (err) => {
  console.log(JSON.stringify({ socketError: err.message }));
  process.exit(0);
});
