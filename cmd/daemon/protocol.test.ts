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
    expect(parse('{"op":"stop","force":true}')).toMatchObject({ ok: false, reply: { error: 'unknown field "force" (a stop request has only "op")' } });
    expect(parse('{"op":"nope"}')).toMatchObject({ ok: false, reply: { error: 'unknown op "nope" (status, stop, switch)' } });
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
});
