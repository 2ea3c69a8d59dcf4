import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { stopOnSignals } from './signals.ts';

/** A manager whose stop finishes when the test says so. */
function fakeManager(): { stop(): Promise<void>; calls: number; finish: () => void } {
  let finish: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => (finish = resolve));
  const manager = {
    calls: 0,
    finish: () => finish(),
    stop() {
      manager.calls += 1;
      return stopped;
    },
  };
  return manager;
}

describe('stopOnSignals', () => {
  it('stops the manager once on the first signal and resolves after it stopped', async () => {
    const source = new EventEmitter();
    const manager = fakeManager();
    const second: string[] = [];
    const { stopped } = stopOnSignals(manager, { source, onSecondSignal: (s) => second.push(s) });
    expect(source.listenerCount('SIGTERM')).toBe(1);
    expect(source.listenerCount('SIGINT')).toBe(1);
    source.emit('SIGTERM', 'SIGTERM');
    expect(manager.calls).toBe(1);
    source.emit('SIGINT', 'SIGINT'); // impatient user: second signal while stopping
    expect(second).toEqual(['SIGINT']);
    expect(manager.calls).toBe(1);
    manager.finish();
    expect(await stopped).toBe('SIGTERM');
    expect(source.listenerCount('SIGTERM')).toBe(0);
    expect(source.listenerCount('SIGINT')).toBe(0);
  });

  it('dispose removes the listeners', () => {
    const source = new EventEmitter();
    const manager = fakeManager();
    const { dispose } = stopOnSignals(manager, { source, signals: ['SIGHUP'] });
    expect(source.listenerCount('SIGHUP')).toBe(1);
    dispose();
    expect(source.listenerCount('SIGHUP')).toBe(0);
    source.emit('SIGHUP', 'SIGHUP');
    expect(manager.calls).toBe(0);
  });
});
