// `npm run test:sprite-live`: the Sprite end-to-end check against the real Sprites API, for people
// with a token. Without SPRITES_TOKEN it prints that it did not run and exits 0 (it is not part
// of `npm test`); with it, it runs live.test.ts through vitest (SPRITES_API_URL overrides the URL).
// The token is passed on in the environment only, never printed.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
if ((process.env['SPRITES_TOKEN'] ?? '') === '') {
  process.stdout.write('sprite-live: NOT RUN — SPRITES_TOKEN is not set. Set SPRITES_TOKEN (a Sprites API token, org/id/secret) to run the Sprite end-to-end check against the real service.\n');
  process.exit(0);
}
process.stdout.write(`sprite-live: running against ${process.env['SPRITES_API_URL'] ?? 'https://api.sprites.dev'} (the token is not shown)\n`);
const vitest = join(here, '..', '..', '..', 'node_modules', 'vitest', 'vitest.mjs');
const result = spawnSync(process.execPath, [vitest, 'run', '--config', join(here, 'vitest.live.config.ts')], { stdio: 'inherit', env: process.env });
process.exit(result.status ?? 1);
