/**
 * In-memory Provider for controller tests and `backend: mock` workspaces. It keeps one record per
 * workspace uid, converges it exactly like a real backend would (create, recreate on image change,
 * start/stop/pause), and lets tests inject drift (`tamper`) and failures (`failNext`).
 */
import { EventEmitter, on } from 'node:events';
import type {
  DesiredRuntime,
  EndpointOptions,
  EnsureResult,
  ExecOptions,
  ExecResult,
  LogsOptions,
  ObservedRuntime,
  Provider,
  ProviderEvent,
  RuntimeEndpoint,
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
  pause: number;
  resume: number;
  stop: number;
}

/** In-memory provider; see the module comment. */
export class MockProvider implements Provider {
  readonly backend = 'mock' as const;
  readonly calls: MockProviderCalls = { observe: 0, ensure: 0, delete: 0, exec: 0, pause: 0, resume: 0, stop: 0 };
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
    let containerCreated = false;
    if (record === undefined) {
      record = this.createRecord(desired);
      changes.push('container created');
      outcome = 'created';
      containerCreated = true;
    } else if (
      record.desired.image !== desired.image ||
      !sameEnv(record.desired.env, desired.env) ||
      !sameEnv(record.desired.secretEnv, desired.secretEnv)
    ) {
      record = this.createRecord(desired);
      changes.push('container recreated');
      outcome = 'updated';
      containerCreated = true;
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
    return { outcome, changes, observed: toObserved(record), containerCreated };
  }

  async delete(target: RuntimeTarget): Promise<'deleted' | 'unchanged'> {
    this.calls.delete += 1;
    this.throwPendingFailure();
    return this.records.delete(target.uid) ? 'deleted' : 'unchanged';
  }

  pause(target: RuntimeTarget): Promise<void> {
    this.calls.pause += 1;
    this.setState(target, 'Paused');
    return Promise.resolve();
  }

  resume(target: RuntimeTarget): Promise<void> {
    this.calls.resume += 1;
    this.setState(target, 'Running');
    return Promise.resolve();
  }

  stop(target: RuntimeTarget): Promise<void> {
    this.calls.stop += 1;
    this.setState(target, 'Stopped');
    return Promise.resolve();
  }

  /** Commands `exec` received, in order (for assertions on lifecycle scripts and hooks). */
  readonly execLog: { target: string; command: string[] }[] = [];

  /** Exit code and output the next exec of a command containing `match` returns. */
  scriptExec(match: string, result: ExecResult): void {
    this.scriptedExecs.push({ match, result });
  }

  private readonly scriptedExecs: { match: string; result: ExecResult }[] = [];

  exec(target: RuntimeTarget, command: string[], _options?: ExecOptions): Promise<ExecResult> {
    this.calls.exec += 1;
    this.execLog.push({ target: target.name, command });
    const scripted = this.scriptedExecs.findIndex((s) => command.join(' ').includes(s.match));
    if (scripted >= 0) return Promise.resolve(this.scriptedExecs.splice(scripted, 1)[0]!.result);
    const record = this.records.get(target.uid);
    if (record === undefined || record.state !== 'Running') {
      return Promise.resolve({ exitCode: 126, stdout: '', stderr: 'workspace is not running' });
    }
    return Promise.resolve({ exitCode: 0, stdout: `${command.join(' ')}\n`, stderr: '' });
  }

  logs(target: RuntimeTarget, options: LogsOptions): Promise<void> {
    const record = this.records.get(target.uid);
    options.stdout.write(record === undefined ? '' : `mock ${options.service ?? 'workspace'} log of ${target.name}\n`);
    return Promise.resolve();
  }

  /**
   * `127.0.0.1` while the workspace (or the service) runs or is paused: tests serve a mock
   * workspace's ports from real servers on the host's loopback.
   */
  endpoint(target: RuntimeTarget, options: EndpointOptions = {}): Promise<RuntimeEndpoint | undefined> {
    const record = this.records.get(target.uid);
    const present = record !== undefined && record.state !== 'Stopped' && (options.service === undefined || record.services[options.service] !== undefined);
    return Promise.resolve(present ? { host: '127.0.0.1' } : undefined);
  }

  async *events(signal: AbortSignal): AsyncIterable<ProviderEvent> {
    try {
      for await (const [event] of on(this.emitter, 'event', { signal })) yield event as ProviderEvent;
    } catch (err) {
      if (!signal.aborted) throw err;
    }
  }

  private setState(target: RuntimeTarget, state: RuntimeState): void {
    const record = this.records.get(target.uid);
    if (record !== undefined) record.state = state;
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
