/**
 * Connection unit tests with a fake socket: notifications wait for the socket (backpressure), a
 * client that stops reading is disconnected (by buffered bytes and by time) instead of growing the
 * daemon's memory, cancellation aborts the handler's signal, and nothing runs before auth.
 */
import { EventEmitter } from 'node:events';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import type { TokenKeys } from '../auth/key-file.ts';
import type { RevocationList } from '../auth/token-records.ts';
import { Connection } from './connection.ts';
import { Dispatcher } from './dispatcher.ts';
import type { ApiServices, MethodDefinition, Principal } from './method.ts';
import { ApiStats } from './stats.ts';

const principal: Principal = { tokenId: 't1', name: 'test', subject: 'me', scopes: ['admin'], workspaces: '*' };

/** A socket whose peer reads only when told to (`drain`). */
class FakeSocket extends EventEmitter {
  readonly OPEN = 1;
  readyState = 1;
  bufferedAmount = 0;
  sent: string[] = [];
  terminated = false;
  private callbacks: (() => void)[] = [];
  reading = true;
  send(data: string, cb?: (err?: Error) => void): void {
    this.sent.push(data);
    if (this.reading) {
      cb?.();
      return;
    }
    this.bufferedAmount += data.length;
    this.callbacks.push(() => cb?.());
  }
  drain(): void {
    this.bufferedAmount = 0;
    for (const cb of this.callbacks.splice(0)) cb();
  }
  close(): void {
    this.readyState = 3;
    this.emit('close');
  }
  terminate(): void {
    this.terminated = true;
    this.close();
  }
  frames(): Record<string, unknown>[] {
    return this.sent.map((s) => JSON.parse(s) as Record<string, unknown>);
  }
}

function setup(methods: MethodDefinition[], limits: { maxBufferedBytes?: number; slowClientMs?: number } = {}): { socket: FakeSocket; closed: { count: number } } {
  const services = { logger: pino({ level: 'silent' }) } as unknown as ApiServices;
  const validators = new Map(methods.map((m) => [m.name, Object.assign(() => true, { errors: null }) as never]));
  const dispatcher = new Dispatcher(methods, validators, services, new ApiStats());
  const socket = new FakeSocket();
  const closed = { count: 0 };
  new Connection(socket as unknown as WebSocket, {
    id: 'c1',
    keys: {} as TokenKeys,
    revocations: { isRevoked: () => false } as unknown as RevocationList,
    dispatcher,
    logger: pino({ level: 'silent' }),
    verified: { principal, expiresAt: Date.now() + 60_000 },
    authDeadlineMs: 1000,
    maxBufferedBytes: limits.maxBufferedBytes ?? 1 << 20,
    slowClientMs: limits.slowClientMs ?? 10_000,
    onClose: () => closed.count++,
  });
  return { socket, closed };
}

const tick = (ms = 5): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('Connection', () => {
  it('a stream waits for the socket to take each notification (one frame in flight), then continues', async () => {
    let produced = 0;
    const stream: MethodDefinition = {
      name: 'test.stream',
      scope: 'resources:read',
      async handler(_params, ctx) {
        for (let i = 0; i < 100; i++) {
          await ctx.notify('test.event', { i });
          produced++;
        }
        return 'done';
      },
    };
    const { socket } = setup([stream]);
    socket.reading = false;
    socket.emit('message', Buffer.from(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'test.stream' })), false);
    await tick(20);
    expect(produced).toBe(0);
    expect(socket.sent).toHaveLength(1);
    socket.drain();
    await tick();
    expect(produced).toBe(1);
    socket.reading = true;
    socket.drain();
    await tick(50);
    expect(produced).toBe(100);
    expect(socket.frames().at(-1)).toEqual({ jsonrpc: '2.0', id: 1, result: 'done' });
  });

  it('a client that stops reading is disconnected once its unsent bytes pass the bound', async () => {
    const flood: MethodDefinition = {
      name: 'test.flood',
      scope: 'resources:read',
      async handler(_params, ctx) {
        await Promise.all(Array.from({ length: 100 }, (_, i) => ctx.notify('test.event', { i, pad: 'x'.repeat(1000) })));
        return 'unreachable';
      },
    };
    const { socket, closed } = setup([flood], { maxBufferedBytes: 20_000 });
    socket.reading = false;
    socket.emit('message', Buffer.from(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'test.flood' })), false);
    await tick(20);
    expect(socket.terminated).toBe(true);
    expect(closed.count).toBe(1);
    expect(socket.bufferedAmount).toBeLessThanOrEqual(20_000 + 1100);
  });

  it('a client that takes no data for slowClientMs is disconnected and the stream fails', async () => {
    let failure: unknown;
    const stream: MethodDefinition = {
      name: 'test.stream',
      scope: 'resources:read',
      async handler(_params, ctx) {
        try {
          await ctx.notify('test.event', {});
        } catch (err) {
          failure = err;
        }
        return null;
      },
    };
    const { socket } = setup([stream], { slowClientMs: 30 });
    socket.reading = false;
    socket.emit('message', Buffer.from(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'test.stream' })), false);
    await tick(80);
    expect(socket.terminated).toBe(true);
    expect(failure).toMatchObject({ code: 'Unavailable' });
  });

  it('$/cancelRequest aborts the call\'s signal and the call answers Cancelled', async () => {
    const slow: MethodDefinition = {
      name: 'test.slow',
      scope: 'resources:read',
      handler: (_params, ctx) => new Promise((_resolve, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('aborted')))),
    };
    const { socket } = setup([slow]);
    socket.emit('message', Buffer.from(JSON.stringify({ jsonrpc: '2.0', id: 'x', method: 'test.slow' })), false);
    await tick();
    socket.emit('message', Buffer.from(JSON.stringify({ jsonrpc: '2.0', method: '$/cancelRequest', params: { id: 'x' } })), false);
    await tick();
    expect(socket.frames()).toEqual([{ jsonrpc: '2.0', id: 'x', error: { code: -32800, message: 'the call was cancelled', data: { code: 'Cancelled' } } }]);
  });

  it('refuses a batch over MAX_BATCH and a stream beyond the per-connection limit', async () => {
    const opener: MethodDefinition = {
      name: 'test.open',
      scope: 'resources:read',
      handler: (_params, ctx) => Promise.resolve(ctx.connection.streams.open((stream) => new Promise((resolve) => stream.signal.addEventListener('abort', () => resolve())))).then((s) => s.id),
    };
    const { socket } = setup([opener]);
    socket.emit('message', Buffer.from(JSON.stringify(Array.from({ length: 101 }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'test.open' })))), false);
    await tick();
    expect(socket.frames()).toEqual([expect.objectContaining({ id: null, error: expect.objectContaining({ code: -32600 }) })]);
    for (let i = 0; i < 65; i++) socket.emit('message', Buffer.from(JSON.stringify({ jsonrpc: '2.0', id: i, method: 'test.open' })), false);
    await tick(20);
    const answers = socket.frames().slice(1);
    expect(answers.filter((f) => 'result' in f)).toHaveLength(64);
    expect(answers.filter((f) => 'error' in f)).toEqual([expect.objectContaining({ id: 64, error: expect.objectContaining({ data: { code: 'TooLarge', reason: 'streams' } }) })]);
  });

  it('closing the connection aborts running calls', async () => {
    let aborted = false;
    const slow: MethodDefinition = {
      name: 'test.slow',
      scope: 'resources:read',
      handler: (_params, ctx) =>
        new Promise((resolve) =>
          ctx.signal.addEventListener('abort', () => {
            aborted = true;
            resolve(null);
          }),
        ),
    };
    const { socket, closed } = setup([slow]);
    socket.emit('message', Buffer.from(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'test.slow' })), false);
    await tick();
    socket.close();
    await tick();
    expect(aborted).toBe(true);
    expect(closed.count).toBe(1);
  });
});
