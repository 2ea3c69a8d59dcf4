import { describe, expect, it } from 'vitest';
import { apiMessage, errorFromNetwork, errorFromResponse, retryAfterMs } from './api-errors.ts';

describe('Sprites API errors', () => {
  it.each([
    ['{"error":"name already taken"}', 'name already taken'],
    ['{"error":"concurrent_sprite_limit_exceeded","message":"3 of 3 in use"}', 'concurrent_sprite_limit_exceeded: 3 of 3 in use'],
    ['{"errors":["name: too long","url_settings.auth: invalid"]}', 'name: too long: url_settings.auth: invalid'],
    ['upstream\n  timed out', 'upstream timed out'],
    ['', ''],
  ])('reads the API message of %s', (body, message) => {
    expect(apiMessage(body)).toBe(message);
  });

  it('prefers retry_after_seconds in the body to Retry-After, which may be seconds or a date', () => {
    expect(retryAfterMs('{"retry_after_seconds":7}', '30')).toBe(7000);
    expect(retryAfterMs('{}', '30')).toBe(30_000);
    expect(retryAfterMs('not json', 'Mon, 07 Dec 2026 06:00:10 GMT', Date.parse('Mon, 07 Dec 2026 06:00:00 GMT'))).toBe(10_000);
    expect(retryAfterMs('{}', undefined)).toBeUndefined();
  });

  it.each([
    [429, 'SpriteRateLimited', true],
    [401, 'SpriteUnauthorized', false],
    [403, 'SpriteUnauthorized', false],
    [404, 'SpriteNotFound', false],
    [400, 'SpriteRequestRejected', false],
    [422, 'SpriteRequestRejected', false],
    [500, 'SpriteApiUnavailable', true],
    [503, 'SpriteApiUnavailable', true],
  ])('maps %i to %s (transient %s) with the method, path and API message', (status, reason, transient) => {
    const error = errorFromResponse('POST /v1/sprites', status, '{"error":"boom","retry_after_seconds":2}', null);
    expect(error).toMatchObject({ reason, transient, httpStatus: status });
    expect(error.message).toContain(`Sprites API POST /v1/sprites: ${status} boom`);
    if (status === 429) expect(error).toMatchObject({ retryAfterMs: 2000, message: expect.stringContaining('retry after 2s') });
  });

  it('makes a request without an answer a transient SpriteApiUnavailable', () => {
    const error = errorFromNetwork('GET /v1/sprites/x', new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:1') }));
    expect(error).toMatchObject({ reason: 'SpriteApiUnavailable', transient: true });
    expect(error.message).toBe('Sprites API GET /v1/sprites/x: no answer (fetch failed: connect ECONNREFUSED 127.0.0.1:1)');
  });
});
