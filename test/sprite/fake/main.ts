// Run the local Sprites API on its own (manual trials, or a test that needs it in another process):
//   node test/sprite/fake/main.ts [--port N] [--log]
// Prints one JSON line {url, token, adminToken, org} on stdout; SIGINT/SIGTERM close it (its
// processes are killed and its temporary root removed). Controls: the /__fake/ endpoints (admin.ts).
import { startFakeSprites } from './index.ts';

const args = process.argv.slice(2);
const portArg = args.indexOf('--port');
const port = portArg >= 0 ? Number(args[portArg + 1]) : 0;
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write('usage: main.ts [--port N] [--log]\n');
  process.exit(2);
}
const fake = await startFakeSprites({ port, log: args.includes('--log') });
process.stdout.write(`${JSON.stringify({ url: fake.url, token: fake.token, adminToken: fake.adminToken, org: fake.org })}\n`);
let closing = false;
const stop = (): void => {
  if (closing) return;
  closing = true;
  void fake.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
