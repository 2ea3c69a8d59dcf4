import { describe, expect, it } from 'vitest';
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
    expect(parse('{"op":"stop","force":true}')).toMatchObject({ ok: false, reply: { error: 'unknown field "force" (a request has only "op")' } });
    expect(parse('{"op":"nope"}')).toMatchObject({ ok: false, reply: { error: 'unknown op "nope" (status or stop)' } });
  });
});
