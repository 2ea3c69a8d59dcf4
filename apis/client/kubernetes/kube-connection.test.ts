import { createServer } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { expectCode } from '../../../test/store/conformance/harness.ts';
import { openKubernetesClient } from './kubernetes-client.ts';
import { openKubeConnection } from './kube-connection.ts';
import { removeWrittenKubeconfigs, writeKubeconfig } from '../../../test/support/kubeconfig.ts';

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

afterAll(removeWrittenKubeconfigs);

describe('KubeConnection', () => {
  it('reads server, context and namespace from the kubeconfig', async () => {
    const path = writeKubeconfig('https://127.0.0.1:6443/', { contexts: ['one', 'two'], namespace: 'team' });
    const first = await openKubeConnection({ kubeconfig: path });
    expect([first.server, first.contextName, first.namespace]).toEqual(['https://127.0.0.1:6443', 'one', 'team']);
    const second = await openKubeConnection({ kubeconfig: path, context: 'two' });
    expect(second.contextName).toBe('two');
    first.close();
    second.close();
  });

  it('rejects a missing kubeconfig and an unknown context with BadRequest', async () => {
    const missing = await expectCode(openKubeConnection({ kubeconfig: '/nonexistent/kubeconfig' }), 'BadRequest');
    expect(missing.message).toContain('/nonexistent/kubeconfig does not exist');
    const path = writeKubeconfig('https://127.0.0.1:6443', { contexts: ['one', 'two'] });
    const unknown = await expectCode(openKubeConnection({ kubeconfig: path, context: 'three' }), 'BadRequest');
    expect(unknown.message).toBe('context "three" does not exist in the kubeconfig (known: one, two)');
  });

  it('reports a server that refuses connections as Unavailable, naming the server', async () => {
    const server = `https://127.0.0.1:${await closedPort()}`;
    const client = await openKubernetesClient({ kubeconfig: writeKubeconfig(server) });
    try {
      const err = await expectCode(client.get('Workspace', 'default', 'a'), 'Unavailable');
      expect(err.message).toContain(`cannot reach the Kubernetes API server ${server} (context "test")`);
      expect(err.message).toContain('ECONNREFUSED');
      const watch = client.watch('Workspace', { namespace: 'default' })[Symbol.asyncIterator]();
      await expectCode(watch.next(), 'Unavailable');
    } finally {
      await client.close();
    }
  });

  it('refuses requests after close', async () => {
    const client = await openKubernetesClient({ kubeconfig: writeKubeconfig('https://127.0.0.1:6443') });
    await client.close();
    const err = await expectCode(client.get('Workspace', 'default', 'a'), 'Unavailable');
    expect(err.message).toContain('is closed');
  });
});
