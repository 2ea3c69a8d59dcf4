// The local Sprites API run as its own process (main.ts) and controlled over its admin endpoints.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { FakeSprites } from './types.ts';
import { api, run } from './test-client.ts';

const MAIN = path.join(path.dirname(fileURLToPath(import.meta.url)), 'main.ts');

describe('local Sprites API as a process (main.ts, /__fake/ admin endpoints)', () => {
  it('prints its address and tokens, obeys admin calls, and cleans up on SIGTERM', async () => {
    const child = spawn(process.execPath, [MAIN], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        readline.createInterface({ input: child.stdout }).once('line', resolve);
        child.once('exit', (code) => reject(new Error(`main.ts exited ${code}`)));
      });
      const info = JSON.parse(line) as { url: string; token: string; adminToken: string };
      const fake = info as unknown as FakeSprites;
      const admin = (method: string, p: string, body?: unknown, token = info.adminToken): Promise<Response> =>
        fetch(`${info.url}/__fake/${p}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });

      expect((await admin('GET', 'sprites', undefined, info.token)).status).toBe(401); // the API token is not an admin token
      expect((await fetch(`${info.url}/v1/sprites`, { headers: { authorization: `Bearer ${info.adminToken}` } })).status).toBe(401);
      expect((await api(fake, 'POST', '/v1/sprites', { name: 'proc' })).status).toBe(201);
      await run(fake, 'proc', ['sh', '-c', 'setsid sleep 300 >/dev/null 2>&1 < /dev/null &']);

      expect((await admin('POST', 'faults', { kind: 'rate-limit', pathRegex: '^/v1/sprites/proc$', retryAfterSeconds: 4 })).status).toBe(201);
      const limited = await api(fake, 'GET', '/v1/sprites/proc');
      expect(limited.status).toBe(429);
      expect(limited.headers.get('retry-after')).toBe('4');
      expect((await api(fake, 'GET', '/v1/sprites/proc')).status).toBe(200);
      expect(((await (await admin('GET', 'faults')).json()) as unknown[]).length).toBe(1);
      expect((await admin('POST', 'faults', { kind: 'nope' })).status).toBe(400);

      const sprites = (await (await admin('GET', 'sprites')).json()) as { name: string; status: string; pids: number[]; dir: string }[];
      const proc = sprites.find((s) => s.name === 'proc');
      expect(proc?.status).toBe('running');
      expect(proc?.pids.length).toBeGreaterThan(0);
      expect((await admin('POST', 'sprites/proc/sleep', { to: 'cold' })).status).toBe(204);
      expect(((await (await admin('GET', 'sprites')).json()) as { status: string }[])[0]?.status).toBe('cold');
      await run(fake, 'proc', ['sh', '-c', 'setsid sleep 300 >/dev/null 2>&1 < /dev/null &']);
      const again = ((await (await admin('GET', 'sprites')).json()) as { pids: number[] }[])[0]?.pids ?? [];
      expect(again.length).toBeGreaterThan(0);

      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      for (const pid of again) expect(fs.existsSync(`/proc/${pid}`) && !fs.readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ')).toBe(false);
      expect(fs.existsSync(proc?.dir ?? '/nonexistent')).toBe(false);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
