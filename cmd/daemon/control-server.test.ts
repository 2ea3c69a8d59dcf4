/**
 * The control server over a real unix socket, with short limits: framing, error replies, closing
 * for cause, timeouts, half-closed clients and backpressure. The daemon-level cases (the real
 * binary, default limits) are the hostile corpus's `socket` category.
 */
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { serveControl, type RequestHandler } from './control-server.ts';

let server: Server | undefined;
afterEach(async () => {
  if (server !== undefined) await new Promise<void>((resolve) => server!.close(() => resolve()));
  server = undefined;
});

async function start(limits = { maxRequestBytes: 1024, maxApplyRequestBytes: 4096, requestTimeoutMs: 300 }, handler: RequestHandler = (request) => ({ answered: request.op })): Promise<string> {
  const path = join(mkdtempSync(join(tmpdir(), 'bctl-')), 's.sock');
  server = createServer({ allowHalfOpen: true }, serveControl(handler, limits));
  server.listen(path);
  await once(server, 'listening');
  return path;
}

/** Sends `bytes` (optionally ending the write side), collects every reply line until the server closes. */
function exchange(path: string, bytes: string | Buffer, options: { end?: boolean; timeoutMs?: number } = {}): Promise<{ lines: unknown[]; closed: boolean; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const socket = createConnection(path);
    let text = '';
    const finish = (closed: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ lines: text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as unknown), closed, ms: Date.now() - started });
    };
    const timer = setTimeout(() => finish(false), options.timeoutMs ?? 3000);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('close', () => finish(true));
    socket.on('error', () => undefined);
    socket.on('connect', () => (options.end ? socket.end(bytes) : socket.write(bytes)));
  });
}

const APPLY = '{"op":"apply","sources":[{"name":"a.yaml","text":"x"}],"cwd":"/","dryRun":true,"tty":false}\n';
const SWITCH = '{"op":"switch","namespace":"default","name":"b","timeoutMs":1000,"requestedAt":"2026-01-01T00:00:00Z"}\n';

describe('control server', () => {
  it('answers a request that resolves later in request order, without a request timeout while it waits', async () => {
    const slow: RequestHandler = (request) => (request.op === 'switch' ? new Promise((resolve) => setTimeout(() => resolve({ switched: request.name }), 500)) : { answered: request.op });
    const path = await start({ maxRequestBytes: 1024, maxApplyRequestBytes: 4096, requestTimeoutMs: 300 }, slow);
    const { lines } = await exchange(path, `${SWITCH}{"op":"status"}\n`, { end: true });
    expect(lines).toEqual([{ switched: 'b' }, { answered: 'status' }]);
  });

  it('aborts the signal of a pending request when the client goes away, and turns a rejection into an Internal reply', async () => {
    let aborted: Promise<unknown> | undefined;
    const waiting: RequestHandler = (request, signal) => {
      if (request.op !== 'switch') return Promise.reject(new Error('boom'));
      aborted = once(signal, 'abort');
      return new Promise((resolve) => signal.addEventListener('abort', () => resolve({ interrupted: true })));
    };
    const path = await start(undefined, waiting);
    const gone = await exchange(path, SWITCH, { timeoutMs: 200 });
    expect(gone).toMatchObject({ lines: [], closed: false });
    await expect(aborted).resolves.toBeDefined();
    const failed = await exchange(path, '{"op":"status"}\n', { end: true });
    expect(failed.lines).toEqual([{ code: 'Internal', error: 'boom' }]);
  });

  it('answers each pipelined request in order, errors included, on one connection', async () => {
    const path = await start();
    const { lines } = await exchange(path, '{"op":"status"}\nnot json\n[1]\n{"op":"x"}\n{"op":"stop","now":1}\n{"op":"stop"}\n', { end: true });
    expect(lines).toEqual([
      { answered: 'status' },
      expect.objectContaining({ code: 'InvalidJSON' }),
      expect.objectContaining({ code: 'InvalidRequest' }),
      expect.objectContaining({ code: 'UnknownOp' }),
      expect.objectContaining({ code: 'InvalidRequest' }),
      { answered: 'stop' },
    ]);
  });

  it('closes a connection whose line grows past the limit, with an error reply', async () => {
    const path = await start();
    const result = await exchange(path, 'x'.repeat(5000));
    expect(result.lines).toEqual([expect.objectContaining({ code: 'RequestTooLarge' })]);
    expect(result.closed).toBe(true);
  });

  it('closes an idle or slow connection after the request timeout, with an error reply', async () => {
    const path = await start();
    const idle = await exchange(path, '');
    expect(idle).toMatchObject({ lines: [expect.objectContaining({ code: 'RequestTimeout' })], closed: true });
    expect(idle.ms).toBeLessThan(2000);
    const slow = await exchange(path, '{"op":');
    expect(slow).toMatchObject({ lines: [expect.objectContaining({ code: 'RequestTimeout' })], closed: true });
  });

  it('answers a request cut short by the end of the connection as incomplete', async () => {
    const path = await start();
    expect(await exchange(path, '{"op":"status"}\n{"op":"sta', { end: true })).toMatchObject({
      lines: [{ answered: 'status' }, expect.objectContaining({ code: 'IncompleteRequest' })],
      closed: true,
    });
  });

  it('sends a request\'s event lines before its answer and after the answers of earlier requests', async () => {
    const streaming: RequestHandler = async (request, _signal, emit) => {
      if (request.op !== 'apply') return new Promise((resolve) => setTimeout(() => resolve({ answered: request.op }), 200));
      emit({ out: 'one\n' });
      await new Promise((resolve) => setTimeout(resolve, 20));
      emit({ err: 'two\n' });
      return { apply: { exitCode: 0 } };
    };
    const path = await start(undefined, streaming);
    const { lines } = await exchange(path, `${SWITCH}${APPLY}{"op":"status"}\n`, { end: true });
    expect(lines).toEqual([{ answered: 'switch' }, { out: 'one\n' }, { err: 'two\n' }, { apply: { exitCode: 0 } }, { answered: 'status' }]);
  });

  it('lets only a line that starts as an apply request grow past the request limit, up to the apply limit', async () => {
    const path = await start();
    const long = `${APPLY.slice(0, -2)},"pad":"${'x'.repeat(3000)}"}\n`;
    expect((await exchange(path, long, { end: true })).lines).toEqual([expect.objectContaining({ code: 'InvalidRequest', error: expect.stringContaining('unknown field "pad"') })]);
    const tooLong = await exchange(path, `${APPLY.slice(0, -2)},"pad":"${'x'.repeat(5000)}"}\n`);
    expect(tooLong).toMatchObject({ lines: [expect.objectContaining({ code: 'RequestTooLarge', error: 'request line longer than 4096 bytes; closing the connection' })], closed: true });
    const notApply = await exchange(path, `{"op":"status","pad":"${'x'.repeat(3000)}"}\n`);
    expect(notApply).toMatchObject({ lines: [expect.objectContaining({ code: 'RequestTooLarge', error: 'request line longer than 1024 bytes; closing the connection' })], closed: true });
  });

  it('answers 20 000 requests pipelined on one connection', async () => {
    const path = await start({ maxRequestBytes: 1024, maxApplyRequestBytes: 4096, requestTimeoutMs: 5000 });
    const { lines } = await exchange(path, '{"op":"status"}\n'.repeat(20_000), { end: true, timeoutMs: 10_000 });
    expect(lines).toHaveLength(20_000);
  });
});
