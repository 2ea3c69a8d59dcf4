import { afterEach, describe, expect, it } from 'vitest';
import type { ForwardSpec } from '../contracts.ts';
import { exchange, freePort, startEchoServer, type TestServer } from '../../../test/ports/servers.ts';
import type { Forwarder } from './forwarder.ts';
import { startTcpForwarder } from './tcp-forwarder.ts';
import { ForwarderPool } from './pool.ts';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function echo(): Promise<TestServer> {
  const server = await startEchoServer();
  cleanup.push(() => server.close());
  return server;
}

describe('beforeConnect (wake on connect)', () => {
  it('holds a connection until the hook resolves, then forwards it with the bytes sent meanwhile', async () => {
    const target = await echo();
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let calls = 0;
    const spec: ForwardSpec = { id: 'w', protocol: 'tcp', hostIP: '127.0.0.1', hostPort: await freePort(), target: { host: '127.0.0.1', port: target.port } };
    const forwarder: Forwarder = await startTcpForwarder(spec, {
      beforeConnect: () => {
        calls += 1;
        return held;
      },
    });
    cleanup.push(() => forwarder.close());
    let answered = false;
    const reply = exchange(spec.hostPort, 'hello while paused').then((b) => {
      answered = true;
      return b;
    });
    await new Promise((r) => setTimeout(r, 150));
    expect(calls).toBe(1);
    expect(answered).toBe(false); // held: neither refused nor answered
    release();
    expect((await reply).toString()).toBe('hello while paused');
  });

  it('a failing hook does not refuse the connection', async () => {
    const target = await echo();
    const spec: ForwardSpec = { id: 'w', protocol: 'tcp', hostIP: '127.0.0.1', hostPort: await freePort(), target: { host: '127.0.0.1', port: target.port } };
    const forwarder = await startTcpForwarder(spec, { beforeConnect: () => Promise.reject(new Error('no')) });
    cleanup.push(() => forwarder.close());
    expect((await exchange(spec.hostPort, 'x')).toString()).toBe('x');
  });

  it('the pool passes each forwarder its spec (workspace and binding name) and reports open connections per workspace', async () => {
    const target = await echo();
    const seen: (string | undefined)[] = [];
    const pool = new ForwarderPool({
      beforeConnect: (spec) => {
        seen.push(`${spec.workspace} ${spec.name}`);
        return undefined;
      },
    });
    cleanup.push(() => pool.closeAll());
    const spec: ForwardSpec = { id: 'u1', protocol: 'tcp', hostIP: '127.0.0.1', hostPort: await freePort(), target: { host: '127.0.0.1', port: target.port }, workspace: 'ns/ws', name: 'ws-web' };
    await pool.ensure(spec);
    expect((await exchange(spec.hostPort, 'y')).toString()).toBe('y');
    expect(seen).toEqual(['ns/ws ws-web']);
    expect(pool.hasOpenConnection('ns/ws')).toBe(false);
  });
});
