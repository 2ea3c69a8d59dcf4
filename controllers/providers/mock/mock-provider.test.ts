import { describe, expect, it } from 'vitest';
import type { DesiredRuntime } from '../types.ts';
import { runtimeLabels } from '../types.ts';
import { MockProvider } from './mock-provider.ts';

const target = { namespace: 'default', name: 'a', uid: 'uid-a' };

function desired(overrides: Partial<DesiredRuntime> = {}): DesiredRuntime {
  return {
    target,
    labels: runtimeLabels(target),
    image: 'img:1',
    imageSource: { kind: 'image', ref: 'img:1' },
    env: {},
    secretEnv: {},
    mounts: [],
    workdir: '/workspace',
    state: 'Running',
    containerPorts: [],
    services: [{ name: 'db', image: 'pg', env: {}, command: [], containerPorts: [], volumes: [] }],
    ...overrides,
  };
}

describe('MockProvider', () => {
  it('observes NotFound as undefined, then converges idempotently', async () => {
    const provider = new MockProvider();
    expect(await provider.observe(target)).toBeUndefined();
    const first = await provider.ensure(desired());
    expect(first.outcome).toBe('created');
    expect(first.changes).toEqual(['container created', 'service db started']);
    const second = await provider.ensure(desired());
    expect(second).toMatchObject({ outcome: 'unchanged', changes: [] });
    expect(second.observed.id).toBe(first.observed.id);
  });

  it('recreates on image change and moves between states', async () => {
    const provider = new MockProvider();
    const created = await provider.ensure(desired());
    const recreated = await provider.ensure(desired({ image: 'img:2' }));
    expect(recreated.outcome).toBe('updated');
    expect(recreated.observed.id).not.toBe(created.observed.id);
    const paused = await provider.ensure(desired({ image: 'img:2', state: 'Paused' }));
    expect(paused.changes).toEqual(['container running → paused']);
    expect((await provider.observe(target))?.state).toBe('Paused');
  });

  it('repairs tampering and reports it as a change', async () => {
    const provider = new MockProvider();
    await provider.ensure(desired());
    provider.tamper(target, 'stop');
    expect((await provider.ensure(desired())).changes).toEqual(['container stopped → running']);
    provider.tamper(target, 'remove');
    expect((await provider.ensure(desired())).outcome).toBe('created');
  });

  it('emits drift events until aborted', async () => {
    const provider = new MockProvider();
    await provider.ensure(desired());
    const abort = new AbortController();
    const seen: string[] = [];
    const reading = (async () => {
      for await (const e of provider.events(abort.signal)) {
        seen.push(`${e.name}:${e.reason}`);
        abort.abort();
      }
    })();
    await new Promise((r) => setImmediate(r));
    provider.tamper(target, 'pause');
    await reading;
    expect(seen).toEqual(['a:container pause']);
  });

  it('fails on demand and deletes idempotently', async () => {
    const provider = new MockProvider();
    provider.failNext(new Error('engine down'));
    await expect(provider.ensure(desired())).rejects.toThrow('engine down');
    await provider.ensure(desired());
    expect(await provider.delete(target)).toBe('deleted');
    expect(await provider.delete(target)).toBe('unchanged');
    expect(provider.size()).toBe(0);
  });
});
