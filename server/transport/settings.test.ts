import { describe, expect, it } from 'vitest';
import { apiListenSettings, isLoopbackHost } from './settings.ts';

describe('apiListenSettings', () => {
  it('always the unix socket; TCP only with daemon.port, loopback by default', () => {
    expect(apiListenSettings('/s', undefined)).toEqual({ socketPath: '/s/api.sock' });
    expect(apiListenSettings('/s', { port: 7777 })).toEqual({ socketPath: '/s/api.sock', tcp: { host: '127.0.0.1', port: 7777 } });
    expect(apiListenSettings('/s', { host: '::1', port: 7777 }).tcp).toEqual({ host: '::1', port: 7777 });
  });

  it('refuses a non-loopback host without TLS, half a TLS pair, relative TLS paths, and host/tls without a port', () => {
    expect(() => apiListenSettings('/s', { host: '0.0.0.0', port: 1 })).toThrow(/not a loopback address: the API serves it only with TLS/);
    expect(() => apiListenSettings('/s', { host: '10.0.0.5', port: 1, tls: { cert: '/c' } })).toThrow(/needs both cert and key/);
    expect(() => apiListenSettings('/s', { host: '10.0.0.5', port: 1, tls: { cert: 'c.pem', key: 'k.pem' } })).toThrow(/absolute/);
    expect(() => apiListenSettings('/s', { host: '0.0.0.0' })).toThrow(/only with daemon.port/);
    expect(apiListenSettings('/s', { host: '0.0.0.0', port: 1, tls: { cert: '/c', key: '/k' } }).tcp).toEqual({ host: '0.0.0.0', port: 1, tls: { cert: '/c', key: '/k' } });
  });

  it.each([
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['::1', true],
    ['localhost', true],
    ['0.0.0.0', false],
    ['::', false],
    ['192.168.1.2', false],
    ['example.com', false],
    ['127.0.0.1.nip.io', false],
  ])('isLoopbackHost(%s) = %s', (host, expected) => {
    expect(isLoopbackHost(host)).toBe(expected);
  });
});
