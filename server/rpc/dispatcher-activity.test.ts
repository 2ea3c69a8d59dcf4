/**
 * The dispatcher records exec, logs and file calls as activity of their workspace and, when the
 * workspace is paused for idleness, runs the handler only once the controller has woken it.
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ActivityTracker } from '../../controllers/workspace/activity.ts';
import { Dispatcher, type CallInput } from './dispatcher.ts';
import type { ApiServices, MethodDefinition, Principal } from './method.ts';
import { ApiStats } from './stats.ts';

const principal: Principal = { tokenId: 't1', name: 'test', subject: 'me', scopes: ['admin'], workspaces: '*' };
const input = { principal, signal: new AbortController().signal, notify: () => Promise.resolve(), connection: { id: 'c1' } } as unknown as CallInput;

function dispatcher(activity: ActivityTracker, handled: string[]): Dispatcher {
  const methods: MethodDefinition[] = [
    { name: 'fs.read', scope: 'fs:read', workspaceParam: 'workspace', handler: () => (handled.push('fs.read'), Promise.resolve('data')) },
    { name: 'workspaces.ports', scope: 'ports', workspaceParam: 'name', handler: () => (handled.push('workspaces.ports'), Promise.resolve([])) },
  ];
  const validators = new Map(methods.map((m) => [m.name, Object.assign(() => true, { errors: null }) as never]));
  const services = { logger: pino({ level: 'silent' }), activity } as unknown as ApiServices;
  return new Dispatcher(methods, validators, services, new ApiStats());
}

describe('API calls as activity', () => {
  it('a file call is activity of its workspace; a call that only reads about it is not', async () => {
    const tracker = new ActivityTracker();
    const handled: string[] = [];
    const d = dispatcher(tracker, handled);
    await d.call('workspaces.ports', { name: 'w', namespace: 'ns' }, input);
    expect(tracker.latest('ns/w')).toBeUndefined();
    await d.call('fs.read', { workspace: 'w', namespace: 'ns', path: 'a' }, input);
    expect(tracker.latest('ns/w')?.what).toBe('api fs.read');
  });

  it('on an idle workspace the call waits for the wake, then runs', async () => {
    const enqueued: string[] = [];
    const tracker = new ActivityTracker({ enqueue: (k) => enqueued.push(k) });
    tracker.settled('ns/w', true);
    const handled: string[] = [];
    const call = dispatcher(tracker, handled).call('fs.read', { workspace: 'w', namespace: 'ns', path: 'a' }, input);
    await new Promise((r) => setTimeout(r, 20));
    expect(enqueued).toEqual(['ns/w']);
    expect(handled).toEqual([]);
    tracker.settled('ns/w', false);
    expect(await call).toBe('data');
    expect(handled).toEqual(['fs.read']);
  });
});
