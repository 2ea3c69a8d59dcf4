import { describe, expect, it } from 'vitest';
import type { ForwardSpec } from '../contracts.ts';
import { forwardSpecChange } from './spec-change.ts';

const base: ForwardSpec = { id: 'a', protocol: 'tcp', hostIP: '127.0.0.1', hostPort: 32801, target: { host: '172.17.0.2', port: 3000 } };

describe('forwardSpecChange', () => {
  it.each([
    ['nothing', {}, 'unchanged'],
    ['target host', { target: { host: '172.17.0.3', port: 3000 } }, 'retarget'],
    ['target port', { target: { host: '172.17.0.2', port: 3001 } }, 'retarget'],
    ['host port', { hostPort: 32811 }, 'rebind'],
    ['host IP', { hostIP: '0.0.0.0' }, 'rebind'],
    ['protocol', { protocol: 'udp' as const }, 'rebind'],
    ['host port and target', { hostPort: 32811, target: { host: 'x', port: 1 } }, 'rebind'],
    ['instance behind a dialled target (a new Pod)', { target: { host: '172.17.0.2', port: 3000, instance: 'uid-2' } }, 'retarget'],
  ])('%s changed → %s', (_what, change, expected) => {
    expect(forwardSpecChange(base, { ...base, ...change })).toBe(expected);
  });
});
