import { describe, expect, it } from 'vitest';
import { MAX_APPLY_REQUEST_BYTES } from './apply-request.ts';
import { MAX_REQUEST_BYTES, parseDaemonRequest } from './protocol.ts';

const parse = (text: string | Uint8Array) => parseDaemonRequest(typeof text === 'string' ? Buffer.from(text) : text);

describe('parseDaemonRequest', () => {
  it('accepts exactly {"op":"status"} and {"op":"stop"}', () => {
    expect(parse('{"op":"status"}')).toEqual({ ok: true, request: { op: 'status' } });
    expect(parse(' {"op":"stop"}\r')).toEqual({ ok: true, request: { op: 'stop' } });
  });

  it.each([
    ['{"op":', 'InvalidJSON'],
    ['', 'InvalidJSON'],
    ['{"op":"status"}\u0000', 'InvalidJSON'],
    ['[{"op":"status"}]', 'InvalidRequest'],
    ['null', 'InvalidRequest'],
    ['"status"', 'InvalidRequest'],
    ['{"op":7}', 'InvalidRequest'],
    ['{}', 'InvalidRequest'],
    ['{"op":"stop","force":true}', 'InvalidRequest'],
    ['{"op":"shutdown-everything"}', 'UnknownOp'],
    ['{"op":"__proto__"}', 'UnknownOp'],
  ])('%j → %s', (text, code) => {
    const result = parse(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reply.code).toBe(code);
  });

  it('reports invalid UTF-8 and oversized lines', () => {
    expect(parse(Uint8Array.from([0x7b, 0xff, 0xfe, 0x7d]))).toMatchObject({ ok: false, reply: { code: 'InvalidUTF8' } });
    expect(parse('x'.repeat(MAX_REQUEST_BYTES + 1))).toMatchObject({ ok: false, reply: { code: 'RequestTooLarge' } });
  });

  it('names the unknown fields and the accepted ops', () => {
    expect(parse('{"op":"stop","force":true}')).toMatchObject({ ok: false, reply: { error: 'unknown field "force" (a stop request has only "op")' } });
    expect(parse('{"op":"nope"}')).toMatchObject({ ok: false, reply: { error: 'unknown op "nope" (status, stop, switch, apply)' } });
  });

  it('accepts a switch with its four fields, the time normalised', () => {
    const line = '{"op":"switch","namespace":"default","name":"feature-b","timeoutMs":30000,"requestedAt":"2026-12-07T20:00:00.123+01:00"}';
    expect(parse(line)).toEqual({ ok: true, request: { op: 'switch', namespace: 'default', name: 'feature-b', timeoutMs: 30000, requestedAt: '2026-12-07T19:00:00.123Z' } });
  });

  it.each([
    ['{"op":"switch","namespace":"default","name":"b","timeoutMs":1,"requestedAt":"2026-12-07T20:00:00Z","as":"root"}', 'unknown field "as"'],
    ['{"op":"switch","namespace":"default","timeoutMs":1,"requestedAt":"2026-12-07T20:00:00Z"}', '"name" must be a string'],
    ['{"op":"switch","namespace":"","name":"b","timeoutMs":1,"requestedAt":"2026-12-07T20:00:00Z"}', '"namespace" must be a string'],
    [`{"op":"switch","namespace":"default","name":"${'x'.repeat(254)}","timeoutMs":1,"requestedAt":"2026-12-07T20:00:00Z"}`, '"name" must be a string'],
    ['{"op":"switch","namespace":"default","name":"b","timeoutMs":-1,"requestedAt":"2026-12-07T20:00:00Z"}', '"timeoutMs" must be an integer'],
    ['{"op":"switch","namespace":"default","name":"b","timeoutMs":1.5,"requestedAt":"2026-12-07T20:00:00Z"}', '"timeoutMs" must be an integer'],
    ['{"op":"switch","namespace":"default","name":"b","timeoutMs":99999999999,"requestedAt":"2026-12-07T20:00:00Z"}', '"timeoutMs" must be an integer'],
    ['{"op":"switch","namespace":"default","name":"b","timeoutMs":1,"requestedAt":"yesterday"}', '"requestedAt" must be an RFC 3339 time'],
  ])('refuses the switch %s', (line, message) => {
    const result = parse(line);
    expect(result).toMatchObject({ ok: false, reply: { code: 'InvalidRequest' } });
    if (!result.ok) expect(result.reply.error).toContain(message);
  });

  const APPLY = { op: 'apply', sources: [{ name: 'ws.yaml', text: 'kind: Workspace\n' }, { name: 'empty-dir', text: null }], cwd: '/home/u/repo', dryRun: false, tty: false };
  const line = (fields: Record<string, unknown>, without: string[] = []): string =>
    JSON.stringify(Object.fromEntries(Object.entries({ ...APPLY, ...fields }).filter(([k]) => !without.includes(k))));

  it('accepts an apply with its sources and flags, copying only its own fields', () => {
    expect(parse(line({ namespace: 'dev', output: 'yaml', waitTimeoutMs: 300000, tty: true, columns: 120 }))).toEqual({
      ok: true,
      request: { ...APPLY, namespace: 'dev', output: 'yaml', waitTimeoutMs: 300000, tty: true, columns: 120 },
    });
    expect(parse(line({}))).toEqual({ ok: true, request: APPLY });
  });

  it.each([
    [line({ as: 'root' }), 'unknown field "as" (an apply request has "op", "sources", "cwd"'],
    [line({ sources: [{ name: 'a', text: 'x', path: '/etc/shadow' }] }), 'unknown field "path" in "sources[0]"'],
    [line({ sources: [] }), '"sources" must be an array of 1 to 10000 sources'],
    [line({ sources: 'a.yaml' }), '"sources" must be an array'],
    [line({ sources: [null] }), '"sources[0]" must be an object'],
    [line({ sources: [{ name: '', text: 'x' }] }), '"sources[0].name" must be a string of 1 to 4096 characters'],
    [line({ sources: [{ name: 'a', text: 7 }] }), '"sources[0].text" must be a string or null'],
    [line({ sources: [{ name: 'a' }] }), '"sources[0].text" must be a string or null'],
    [line({ cwd: 'relative/dir' }), '"cwd" must be an absolute path'],
    [line({}, ['cwd']), '"cwd" must be an absolute path'],
    [line({ namespace: '' }), '"namespace" must be a string of 1 to 253 characters'],
    [line({ contextNamespace: 7 }), '"contextNamespace" must be a string'],
    [line({}, ['dryRun']), '"dryRun" must be true or false'],
    [line({ output: 'wide' }), '"output" must be one of name, yaml, json'],
    [line({ waitTimeoutMs: 1e300 }), '"waitTimeoutMs" must be an integer from 0 to 86400000'],
    [line({ waitTimeoutMs: -1 }), '"waitTimeoutMs" must be an integer'],
    [line({ tty: 'yes' }), '"tty" must be true or false'],
    [line({ columns: 0 }), '"columns" must be an integer from 1 to 10000'],
  ])('refuses the apply %s', (text, message) => {
    const result = parse(text);
    expect(result).toMatchObject({ ok: false, reply: { code: 'InvalidRequest' } });
    if (!result.ok) expect(result.reply.error).toContain(message);
  });

  it('lets only an apply request pass 64 KiB, up to its own limit', () => {
    const big = 'x'.repeat(MAX_REQUEST_BYTES * 2);
    expect(parse(line({ sources: [{ name: 'a.yaml', text: big }] }))).toMatchObject({ ok: true, request: { op: 'apply' } });
    // Starting like an apply is not enough: the op that JSON.parse keeps decides.
    expect(parse(`{"op":"apply","op":"status","pad":"${big}"}`)).toMatchObject({ ok: false, reply: { code: 'RequestTooLarge', error: `request line longer than ${MAX_REQUEST_BYTES} bytes` } });
    expect(parse(`{"op":"status","pad":"${big}"}`)).toMatchObject({ ok: false, reply: { code: 'RequestTooLarge' } });
    expect(parse(line({ sources: [{ name: 'a.yaml', text: 'x'.repeat(MAX_APPLY_REQUEST_BYTES) }] }))).toMatchObject({ ok: false, reply: { code: 'RequestTooLarge', error: `request line longer than ${MAX_APPLY_REQUEST_BYTES} bytes` } });
  });
});
