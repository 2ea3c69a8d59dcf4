/**
 * `resources.*`: the ResourceClient's semantics over the API — get, list (label selectors), watch
 * from a resourceVersion (as `resources.event` notifications of a stream), apply (validated and
 * defaulted as `boulder apply` does, node limits enforced; validation errors carry field paths in
 * `data.issues`) and delete. A token limited to some workspaces sees and touches only their objects
 * (a Workspace by its name, a PortBinding or SyncSession by the workspace it belongs to): lists and
 * watches are filtered, reads and writes of other objects are Forbidden.
 */
import { isErrorCode } from '../../../apis/errors.ts';
import type { KindName } from '../../../apis/kinds.ts';
import { DEFAULT_NAMESPACE, type KubeObject } from '../../../apis/meta.ts';
import { admitObject } from '../../../apis/validation/admit.ts';
import { mayAccessObject, requireWorkspace, workspaceOfObject } from '../../auth/authorize.ts';
import { checkNodeLimits, stampNodeObject } from '../../node/limits.ts';
import { ApiError, type MethodDefinition, type MethodModule, type Principal } from '../../rpc/method.ts';

/** Notification of one watch event. */
export const WATCH_EVENT = 'resources.event';

interface Address {
  kind: KindName;
  namespace?: string;
  name: string;
}

/** Throws Forbidden unless the principal may touch `obj`. */
function requireObjectAccess(principal: Principal, obj: KubeObject): void {
  if (mayAccessObject(principal, obj)) return;
  const workspace = workspaceOfObject(obj);
  if (workspace !== undefined) requireWorkspace(principal, workspace);
  throw new ApiError('Forbidden', `token "${principal.name}" covers only workspaces ${JSON.stringify(principal.workspaces)}; ${obj.kind} "${obj.metadata.name}" belongs to none`, { reason: 'workspace' });
}

/** Throws Forbidden before a read when the name alone proves the object is out of reach (a Workspace). */
function precheck(principal: Principal, address: Address): void {
  if (address.kind === 'Workspace') requireWorkspace(principal, address.name);
}

const get: MethodDefinition<Address, KubeObject> = {
  name: 'resources.get',
  scope: 'resources:read',
  async handler(params, ctx) {
    precheck(ctx.principal, params);
    const obj = await ctx.services.client.get(params.kind, params.namespace ?? DEFAULT_NAMESPACE, params.name);
    requireObjectAccess(ctx.principal, obj);
    return obj;
  },
};

const list: MethodDefinition<{ kind: KindName; namespace?: string; labelSelector?: string }, { items: KubeObject[]; resourceVersion: string }> = {
  name: 'resources.list',
  scope: 'resources:read',
  async handler(params, ctx) {
    const result = await ctx.services.client.list(params.kind, {
      ...(params.namespace === undefined ? {} : { namespace: params.namespace }),
      ...(params.labelSelector === undefined ? {} : { labelSelector: params.labelSelector }),
    });
    return { items: result.items.filter((obj) => mayAccessObject(ctx.principal, obj)), resourceVersion: result.resourceVersion };
  },
};

const watch: MethodDefinition<{ kind: KindName; namespace?: string; labelSelector?: string; resourceVersion?: string }, { stream: string }> = {
  name: 'resources.watch',
  scope: 'resources:read',
  async handler(params, ctx) {
    const stream = ctx.connection.streams.open(async ({ id, signal }) => {
      const events = ctx.services.client.watch(params.kind, {
        signal,
        ...(params.namespace === undefined ? {} : { namespace: params.namespace }),
        ...(params.labelSelector === undefined ? {} : { labelSelector: params.labelSelector }),
        ...(params.resourceVersion === undefined ? {} : { resourceVersion: params.resourceVersion }),
      });
      for await (const event of events) {
        if (!mayAccessObject(ctx.principal, event.object)) continue;
        // Backpressure: the next event is read only when the socket took this one.
        await ctx.notify(WATCH_EVENT, { stream: id, type: event.type, object: event.object });
      }
    });
    return { stream: stream.id };
  },
};

const apply: MethodDefinition<{ object: KubeObject; dryRun?: boolean; fieldManager?: string }, { object: KubeObject; outcome: string }> = {
  name: 'resources.apply',
  scope: 'resources:write',
  async handler(params, ctx) {
    const input: KubeObject = { ...params.object, metadata: { ...params.object.metadata, namespace: params.object.metadata.namespace ?? DEFAULT_NAMESPACE } };
    const node = ctx.services.node;
    if (node !== undefined) {
      // A node: the owner comes from the namespace (the proven user), limits are the daemon's.
      const admittedOnNode = admitObject(stampNodeObject(input, ctx.principal.user ?? ctx.principal.subject, node.settings.defaultResources));
      requireObjectAccess(ctx.principal, admittedOnNode);
      const applied = await node.creates.run(async () => {
        await checkNodeLimits(ctx.services.client, admittedOnNode, node.settings.limits);
        return ctx.services.client.apply(admittedOnNode, { ...(params.dryRun === undefined ? {} : { dryRun: params.dryRun }), fieldManager: params.fieldManager ?? `boulder-api:${ctx.principal.name}` });
      });
      return { object: applied.object, outcome: applied.outcome };
    }
    const admitted = admitObject(input);
    requireObjectAccess(ctx.principal, admitted);
    const { enforceNodeLimits } = await import('../../../apis/config/limits.ts');
    const [limited] = await enforceNodeLimits(ctx.services.client, [admitted], { env: process.env, cwd: ctx.services.stateDir });
    const result = await ctx.services.client.apply(limited ?? admitted, {
      ...(params.dryRun === undefined ? {} : { dryRun: params.dryRun }),
      fieldManager: params.fieldManager ?? `boulder-api:${ctx.principal.name}`,
    });
    return { object: result.object, outcome: result.outcome };
  },
};

const remove: MethodDefinition<Address & { resourceVersion?: string }, KubeObject> = {
  name: 'resources.delete',
  scope: 'resources:write',
  async handler(params, ctx) {
    precheck(ctx.principal, params);
    const namespace = params.namespace ?? DEFAULT_NAMESPACE;
    const current = await ctx.services.client.get(params.kind, namespace, params.name);
    requireObjectAccess(ctx.principal, current);
    try {
      return await ctx.services.client.delete(params.kind, namespace, params.name, params.resourceVersion === undefined ? {} : { resourceVersion: params.resourceVersion });
    } catch (err) {
      if (isErrorCode(err, 'NotFound')) throw new ApiError('NotFound', `${params.kind} "${params.name}" was deleted meanwhile`, { reason: 'NotFound' }, { cause: err });
      throw err;
    }
  },
};

/** The resources methods. */
export const resourceMethods: MethodModule = () => [get, list, watch, apply, remove] as MethodDefinition[];
