/**
 * Test support: writes a minimal kubeconfig (token user, one or more contexts) to a temp file,
 * in one directory per process; `removeWrittenKubeconfigs()` (in afterAll) removes it.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Writes a kubeconfig for `server` and returns its path; `insecure` skips TLS verification. */
export function writeKubeconfig(server: string, options: { contexts?: string[]; namespace?: string; insecure?: boolean } = {}): string {
  const contexts = options.contexts ?? ['test'];
  const lines = [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '  - name: c',
    '    cluster:',
    `      server: ${server}`,
    ...(options.insecure === true ? ['      insecure-skip-tls-verify: true'] : []),
    'users:',
    '  - name: u',
    '    user:',
    '      token: test-token',
    'contexts:',
    ...contexts.flatMap((name) => [
      `  - name: ${name}`,
      '    context:',
      '      cluster: c',
      '      user: u',
      ...(options.namespace === undefined ? [] : [`      namespace: ${options.namespace}`]),
    ]),
    `current-context: ${contexts[0] ?? 'test'}`,
  ];
  const path = join(scratchDir(), `kubeconfig-${randomBytes(4).toString('hex')}`);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

let dir: string | undefined;

function scratchDir(): string {
  dir ??= mkdtempSync(join(tmpdir(), 'boulder-kubeconfig-'));
  return dir;
}

/** Removes every kubeconfig written so far. */
export function removeWrittenKubeconfigs(): void {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
}
