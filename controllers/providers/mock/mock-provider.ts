/**
 * In-memory Provider for controller tests and `backend: mock` workspaces. It keeps one record per
 * workspace uid, converges it exactly like a real backend would (create, recreate on image change,
 * start/stop/pause), and lets tests inject drift (`tamper`) and failures (`failNext`).
 */
import { EventEmitter, on } from 'node:events';
import type {
  DesiredRuntime,
  EnsureResult,
  ExecResult,
  ObservedRuntime,
  Provider,
  ProviderEvent,
  RuntimeState,
  RuntimeTarget,
} from '../types.ts';

interface MockRecord {
  id: string;
  desired: DesiredRuntime;
  state: RuntimeState;
  services: Record<string, { running: boolean }>;
}

/** Call counters a test can assert on. */
export interface MockProviderCalls {
  observe: number;
  ensure: number;
  delete: number;
  exec: number;
}

/** In-memory provider; see the module comment. */
export class MockProvider implements Provider {
  readonly backend = 'mock' as const;
  readonly calls: MockProviderCalls = { observe: 0, ensure: 0, delete: 0, exec: 0 };
  private readonly records = new Map<string, MockRecord>();
  private readonly pendingFailures: Error[] = [];
  private readonly emitter = new EventEmitter();
  private nextId = 1;

  /** Makes the next ensure/delete call fail with `error` (queued; one failure per call). */
  failNext(error: Error): void {
    this.pendingFailures.push(error);
  }

  /** Changes a runtime behind the controller's back and emits a drift event, like `docker rm`. */
  tamper(target: RuntimeTarget, change: 'remove' | 'stop' | 'pause'): void {
    const record = this.records.get(target.uid);
    if (record === undefined) return;
    if (change === 'remove') this.records.delete(target.uid);
    else record.state = change === 'stop' ? 'Stopped' : 'Paused';
    const event: ProviderEvent = { namespace: target.namespace, name: target.name, reason: `container ${change}` };
    this.emitter.emit('event', event);
  }

  /** Number of runtimes that exist. */
  size(): number {
    return this.records.size;
  }

  observe(target: RuntimeTarget): Promise<ObservedRuntime | undefined> {
    this.calls.observe += 1;
    const record = this.records.get(target.uid);
    return Promise.resolve(record === undefined ? undefined : toObserved(record));
  }

  async ensure(desired: DesiredRuntime): Promise<EnsureResult> {
    this.calls.ensure += 1;
    this.throwPendingFailure();
    const changes: string[] = [];
    let record = this.records.get(desired.target.uid);
    let outcome: EnsureResult['outcome'] = 'unchanged';
    if (record === undefined) {
      record = this.createRecord(desired);
      changes.push('container created');
      outcome = 'created';
    } else if (record.desired.image !== desired.image || !sameEnv(record.desired.env, desired.env)) {
      record = this.createRecord(desired);
      changes.push('container recreated');
      outcome = 'updated';
    }
    if (record.state !== desired.state) {
      changes.push(`container ${record.state.toLowerCase()} → ${desired.state.toLowerCase()}`);
      record.state = desired.state;
      if (outcome === 'unchanged') outcome = 'updated';
    }
    record.desired = desired;
    for (const service of desired.services) {
      if (record.services[service.name]?.running !== true) {
        record.services[service.name] = { running: true };
        changes.push(`service ${service.name} started`);
        if (outcome === 'unchanged') outcome = 'updated';
      }
    }
    return { outcome, changes, observed: toObserved(record) };
  }

  async delete(target: RuntimeTarget): Promise<'deleted' | 'unchanged'> {
    this.calls.delete += 1;
    this.throwPendingFailure();
    return this.records.delete(target.uid) ? 'deleted' : 'unchanged';
  }

  exec(target: RuntimeTarget, command: string[]): Promise<ExecResult> {
    this.calls.exec += 1;
    const record = this.records.get(target.uid);
    if (record === undefined || record.state !== 'Running') {
      return Promise.resolve({ exitCode: 126, stdout: '', stderr: 'workspace is not running' });
    }
    return Promise.resolve({ exitCode: 0, stdout: `${command.join(' ')}\n`, stderr: '' });
  }

  async *events(signal: AbortSignal): AsyncIterable<ProviderEvent> {
    try {
      for await (const [event] of on(this.emitter, 'event', { signal })) yield event as ProviderEvent;
    } catch (err) {
      if (!signal.aborted) throw err;
    }
  }

  private createRecord(desired: DesiredRuntime): MockRecord {
    const record: MockRecord = { id: `mock-${this.nextId++}`, desired, state: desired.state, services: {} };
    this.records.set(desired.target.uid, record);
    return record;
  }

  private throwPendingFailure(): void {
    const failure = this.pendingFailures.shift();
    if (failure !== undefined) throw failure;
  }
}

function toObserved(record: MockRecord): ObservedRuntime {
  return {
    id: record.id,
    state: record.state,
    image: record.desired.image,
    imageDigest: `sha256:mock-${record.desired.image}`,
    services: structuredClone(record.services),
  };
}

function sameEnv(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}
