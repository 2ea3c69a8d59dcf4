/**
 * The watch loop's reconnection rules, against a scripted HTTP server: what a real API server
 * does only at its own pace (closing a watch at its timeout, sending bookmarks, breaking a
 * connection) happens here on cue. Behaviour against the real kube-apiserver is covered by the
 * conformance suite and test/k8s/kubernetes-client.test.ts.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { expectCode } from '../../../test/store/conformance/harness.ts';
import type { WatchEvent } from '../types.ts';
import { openKubernetesClient, type KubernetesResourceClient } from './kubernetes-client.ts';
import { removeWrittenKubeconfigs, writeKubeconfig } from '../../../test/support/kubeconfig.ts';

type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => void;

let server: Server | undefined;
let client: KubernetesResourceClient | undefined;

afterEach(async () => {
  await client?.close();
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
  server = undefined;
  client = undefined;
});

afterAll(removeWrittenKubeconfigs);

/** Starts a server answering watches with `handler`; returns a client on it and the watch URLs seen. */
async function serve(handler: Handler): Promise<{ client: KubernetesResourceClient; watches: URL[] }> {
  const watches: URL[] = [];
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.searchParams.get('watch') === '1') watches.push(url);
    handler(req, res, url);
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  client = await openKubernetesClient({
    kubeconfig: writeKubeconfig(`http://127.0.0.1:${port}`, { insecure: true }),
    watchRetryDelaysMs: [10, 10],
  });
  return { client, watches };
}

function event(type: string, name: string, rv: string): string {
  const object = { apiVersion: 'nexus.dev/v1alpha1', kind: 'Workspace', metadata: { name, namespace: 'ns', resourceVersion: rv } };
  return `${JSON.stringify({ type, object })}\n`;
}

function bookmark(rv: string): string {
  return `${JSON.stringify({ type: 'BOOKMARK', object: { kind: 'Workspace', apiVersion: 'nexus.dev/v1alpha1', metadata: { resourceVersion: rv } } })}\n`;
}

function status(code: number, message: string): object {
  return { kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason: code === 410 ? 'Expired' : 'X', message };
}

async function take(iterator: AsyncIterator<WatchEvent>, count: number): Promise<string[]> {
  const out: string[] = [];
  while (out.length < count) {
    const next = await iterator.next();
    if (next.done === true) break;
    out.push(`${next.value.type} ${next.value.object.metadata.name}@${next.value.object.metadata.resourceVersion ?? ''}`);
  }
  return out;
}

describe('watch loop', () => {
  it('resumes from the last resourceVersion (a bookmark included) when the server ends a watch, and never delivers bookmarks', async () => {
    let connection = 0;
    const { client, watches } = await serve((_req, res) => {
      connection += 1;
      res.writeHead(200, { 'Content-Type': 'application/json' });
      if (connection === 1) res.end(event('ADDED', 'a', '6') + bookmark('8'));
      else res.write(event('MODIFIED', 'a', '9'));
    });
    const iterator = client.watch('Workspace', { namespace: 'ns', resourceVersion: '5' })[Symbol.asyncIterator]();
    expect(await take(iterator, 2)).toEqual(['ADDED a@6', 'MODIFIED a@9']);
    await iterator.return?.();
    expect(watches.map((u) => u.searchParams.get('resourceVersion'))).toEqual(['5', '8']);
    expect(watches[0]?.searchParams.get('allowWatchBookmarks')).toBe('true');
    expect(watches[0]?.pathname).toBe('/apis/nexus.dev/v1alpha1/namespaces/ns/workspaces');
  });

  it('reconnects after a broken connection without losing or repeating events', async () => {
    let connection = 0;
    const { client, watches } = await serve((_req, res) => {
      connection += 1;
      res.writeHead(200, { 'Content-Type': 'application/json' });
      if (connection === 1) res.write(event('ADDED', 'a', '6'), () => setTimeout(() => res.destroy(), 20));
      else res.write(event('ADDED', 'b', '7'));
    });
    const iterator = client.watch('Workspace', { namespace: 'ns', resourceVersion: '5' })[Symbol.asyncIterator]();
    expect(await take(iterator, 2)).toEqual(['ADDED a@6', 'ADDED b@7']);
    await iterator.return?.();
    expect(watches.map((u) => u.searchParams.get('resourceVersion'))).toEqual(['5', '6']);
  });

  it('fails with Unavailable once the reconnection attempts are used up', async () => {
    const { client, watches } = await serve((req) => req.socket.destroy());
    const iterator = client.watch('Workspace', { namespace: 'ns', resourceVersion: '5' })[Symbol.asyncIterator]();
    const err = await expectCode(iterator.next(), 'Unavailable');
    expect(err.message).toContain('cannot reach the Kubernetes API server http://127.0.0.1:');
    expect(watches).toHaveLength(3);
  });

  it('fails with Gone on an ERROR event of code 410 and on an HTTP 410', async () => {
    let connection = 0;
    const { client } = await serve((_req, res) => {
      connection += 1;
      if (connection === 1) {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.write(`${JSON.stringify({ type: 'ERROR', object: status(410, 'too old resource version: 5 (9)') })}\n`);
      } else {
        res.writeHead(410, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(status(410, 'gone for good')));
      }
    });
    const first = client.watch('Workspace', { namespace: 'ns', resourceVersion: '5' })[Symbol.asyncIterator]();
    expect((await expectCode(first.next(), 'Gone')).message).toBe('too old resource version: 5 (9)');
    const second = client.watch('Workspace', { resourceVersion: '5' })[Symbol.asyncIterator]();
    expect((await expectCode(second.next(), 'Gone')).message).toBe('gone for good');
  });

  it('ends every open watch cleanly on close()', async () => {
    const { client } = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write(event('ADDED', 'a', '6'));
    });
    const iterator = client.watch('Workspace', { namespace: 'ns', resourceVersion: '5' })[Symbol.asyncIterator]();
    expect(await take(iterator, 1)).toEqual(['ADDED a@6']);
    const pending = iterator.next();
    await client.close();
    expect(await pending).toMatchObject({ done: true });
  });
});
