/**
 * The Pod drift hints ride the one Kubernetes watch loop (apis/client/kubernetes/watch-loop.ts)
 * over a KubeConnection, not a second watch implementation: against a scripted API server, a
 * list gives the initial hints, a watch that the server ends resumes from the last
 * resourceVersion (bookmarks included), and an expired resourceVersion (410) relists after the
 * backoff. The real kube-apiserver: test/k8s/provider.test.ts ("streams a drift hint").
 */
import { createServer, type Server } from 'node:http';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { loadKubeConfig } from '../../../apis/client/kubernetes/kubeconfig.ts';
import { realClock } from '../../runtime/clock.ts';
import { silentLogger } from '../../runtime/logger.ts';
import type { ProviderEvent } from '../types.ts';
import { podEvents } from './events.ts';
import { MANAGED_SELECTOR } from './names.ts';
import { removeWrittenKubeconfigs, writeKubeconfig } from '../../../test/support/kubeconfig.ts';

let server: Server | undefined;

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
  server = undefined;
});
afterAll(removeWrittenKubeconfigs);

const pod = (name: string, rv: string, phase = 'Running'): object => ({
  metadata: { name: `nexus-${name}`, namespace: 'team', resourceVersion: rv, labels: { 'nexus.dev/workspace': name, 'nexus.dev/namespace': 'team' } },
  status: { phase },
});
const line = (type: string, object: object): string => `${JSON.stringify({ type, object })}\n`;

describe('pod drift hints', () => {
  it('list, then watch resumed from the last resourceVersion, then a relist after 410 Gone', async () => {
    const requests: string[] = [];
    let watches = 0;
    server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const watch = url.searchParams.get('watch') === '1';
      requests.push(watch ? `watch rv=${url.searchParams.get('resourceVersion')} ${url.searchParams.get('labelSelector')}` : `list ${url.pathname}`);
      res.setHeader('content-type', 'application/json');
      if (!watch) {
        res.end(JSON.stringify({ kind: 'PodList', metadata: { resourceVersion: '10' }, items: [pod('a', '9')] }));
        return;
      }
      watches += 1;
      if (watches === 1) res.end(line('DELETED', pod('a', '11', 'Succeeded')) + line('BOOKMARK', { metadata: { resourceVersion: '15' } }));
      else if (watches === 2) res.end(line('ERROR', { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 410, reason: 'Expired', message: 'too old' }));
      else res.write(line('MODIFIED', pod('b', '20'))); // stays open
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const kubeConfig = loadKubeConfig({ kubeconfig: writeKubeconfig(`http://127.0.0.1:${port}`, { insecure: true }) });
    const abort = new AbortController();
    const hints: ProviderEvent[] = [];
    for await (const hint of podEvents({ kubeConfig, clock: realClock, logger: silentLogger(), namespace: 'team', backoffMs: { initial: 10, max: 10 } }, abort.signal)) {
      hints.push(hint);
      if (hints.length === 4) abort.abort();
    }
    expect(hints).toEqual([
      { namespace: 'team', name: 'a', reason: 'pod added Running' },
      { namespace: 'team', name: 'a', reason: 'pod deleted Succeeded' },
      { namespace: 'team', name: 'a', reason: 'pod added Running' }, // the relist after 410
      { namespace: 'team', name: 'b', reason: 'pod modified Running' },
    ]);
    expect(requests.slice(0, 5)).toEqual([
      'list /api/v1/namespaces/team/pods',
      `watch rv=10 ${MANAGED_SELECTOR}`,
      `watch rv=15 ${MANAGED_SELECTOR}`,
      'list /api/v1/namespaces/team/pods',
      `watch rv=10 ${MANAGED_SELECTOR}`,
    ]);
  });
});
