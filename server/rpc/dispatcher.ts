/**
 * The dispatcher: finds a call's method, validates its params against the method's OpenRPC params
 * schema (ajv, compiled once at start), checks the token's scope and workspace, runs the handler,
 * and writes one log line per call (method, workspace, duration, outcome, token name — never the
 * token) and the per-method counters.
 */
import type { ValidateFunction } from 'ajv';
import type { Logger } from 'pino';
import { requireScope, requireWorkspace } from '../auth/authorize.ts';
import { confineParams } from '../node/confine.ts';
import { toApiError } from './errors.ts';
import { ApiError, type ApiServices, type CallContext, type MethodDefinition } from './method.ts';
import type { ApiStats } from './stats.ts';

/** Everything about one incoming call but the method itself. */
export type CallInput = Omit<CallContext, 'log' | 'services'>;

/** A method and its compiled params validator. */
interface Entry {
  definition: MethodDefinition;
  validate: ValidateFunction;
}

/** Dotted path of an ajv instancePath (`/object/spec/ports/0` → `object.spec.ports[0]`). */
export function fieldPath(instancePath: string, missing?: string): string {
  const parts = instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (missing !== undefined) parts.push(missing);
  return parts.reduce((path, part) => (/^\d+$/.test(part) ? `${path}[${part}]` : path === '' ? part : `${path}.${part}`), '');
}

/** Routes calls to methods. */
export class Dispatcher {
  private readonly entries = new Map<string, Entry>();
  private readonly services: ApiServices;
  private readonly stats: ApiStats;
  private readonly logger: Logger;

  /** `validators`: the compiled params schema of every method name (from the OpenRPC document). */
  constructor(methods: MethodDefinition[], validators: Map<string, ValidateFunction>, services: ApiServices, stats: ApiStats) {
    for (const definition of methods) {
      const validate = validators.get(definition.name);
      if (validate === undefined) throw new Error(`method ${definition.name} is not described in schemas/api (no params schema)`);
      if (this.entries.has(definition.name)) throw new Error(`method ${definition.name} is registered twice`);
      this.entries.set(definition.name, { definition, validate });
    }
    this.services = services;
    this.stats = stats;
    this.logger = services.logger;
  }

  /** Names of the registered methods. */
  methodNames(): string[] {
    return [...this.entries.keys()].sort();
  }

  /** Runs one call; resolves to the result or rejects with an ApiError. */
  async call(method: string, params: unknown, input: CallInput): Promise<unknown> {
    const started = performance.now();
    const entry = this.entries.get(method);
    let workspace: string | undefined;
    const log = this.logger.child({ method, conn: input.connection.id, token: input.principal.name });
    try {
      if (entry === undefined) throw new ApiError('MethodNotFound', `no method "${method}"`);
      const { definition, validate } = entry;
      const raw = params ?? {};
      if (!validate(raw)) {
        const issues = (validate.errors ?? []).map((e) => ({
          path: fieldPath(e.instancePath, (e.params as { missingProperty?: string; additionalProperty?: string }).missingProperty ?? (e.params as { additionalProperty?: string }).additionalProperty),
          message: e.keyword === 'additionalProperties' ? 'is not a known parameter' : (e.message ?? 'is invalid'),
        }));
        throw new ApiError('InvalidParams', `invalid params of ${method}: ${issues.map((i) => `${i.path || '(params)'} ${i.message}`).join('; ')}`, { issues });
      }
      if (definition.scope !== 'authenticated') requireScope(input.principal, definition.scope, method);
      // A multi-user node's user acts only in their own namespace, whatever the params say.
      const args = confineParams(method, raw, input.principal);
      if (definition.workspaceParam !== undefined) {
        const value = (args as Record<string, unknown>)[definition.workspaceParam];
        if (typeof value === 'string') {
          workspace = value;
          requireWorkspace(input.principal, value);
          // exec, logs and file calls act on the workspace: activity, and a wake when it is idle.
          const namespace = (args as Record<string, unknown>).namespace;
          if (definition.workspaceParam === 'workspace' && this.services.activity !== undefined) {
            await this.services.activity.wake(`${typeof namespace === 'string' ? namespace : 'default'}/${value}`, `api ${method}`);
          }
        }
      }
      const result = await definition.handler(args, { ...input, log, services: this.services });
      this.finish(log, method, workspace, started, 'ok');
      return result;
    } catch (err) {
      const api = input.signal.aborted && !(err instanceof ApiError) ? new ApiError('Cancelled', 'the call was cancelled') : toApiError(err);
      this.finish(log, method, workspace, started, api.code, api.code === 'Internal' ? err : undefined);
      throw api;
    }
  }

  private finish(log: Logger, method: string, workspace: string | undefined, started: number, outcome: string, err?: unknown): void {
    this.stats.recordCall(this.entries.has(method) ? method : '(unknown)', outcome === 'ok');
    const durationMs = Math.round((performance.now() - started) * 1000) / 1000;
    const record = { workspace, durationMs, outcome, ...(err === undefined ? {} : { err: err instanceof Error ? err.stack : String(err) }) };
    if (outcome === 'Internal') log.error(record, 'api call');
    else log.info(record, 'api call');
  }
}
