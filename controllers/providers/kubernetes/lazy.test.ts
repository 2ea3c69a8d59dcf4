import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LazyKubernetesProvider } from './lazy.ts';

/** A kubeconfig naming a server nothing listens on (nothing here connects to it). */
function writeKubeconfig(path: string): void {
  writeFileSync(
    path,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]',
      'users: [{name: u, user: {token: t}}]',
      'contexts: [{name: x, context: {cluster: c, user: u}}]',
      'current-context: x',
      '',
    ].join('\n'),
  );
}

describe('LazyKubernetesProvider', () => {
  it('retries a failed load: a kubeconfig created later is picked up without a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'boulder-lazy-'));
    const kubeconfig = join(dir, 'kubeconfig');
    const lazy = new LazyKubernetesProvider({ kubeconfig });
    await expect(lazy.load()).rejects.toThrow();
    expect(lazy.loaded).toBe(false);
    writeKubeconfig(join(dir, 'ready'));
    copyFileSync(join(dir, 'ready'), kubeconfig);
    const provider = await lazy.load();
    expect(provider.kubeConfig.getCurrentCluster()?.server).toBe('https://127.0.0.1:1');
    expect(lazy.loaded).toBe(true);
  });

  it('streams no drift hints (contacts no cluster) until a kubernetes workspace is touched; ends on abort', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'boulder-lazy-'));
    const kubeconfig = join(dir, 'kubeconfig');
    writeKubeconfig(kubeconfig);
    const lazy = new LazyKubernetesProvider({ kubeconfig });
    const abort = new AbortController();
    const events = lazy.events(abort.signal)[Symbol.asyncIterator]();
    const first = events.next();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(lazy.loaded).toBe(false);
    abort.abort();
    await expect(first).resolves.toEqual({ done: true, value: undefined });
  });
});
