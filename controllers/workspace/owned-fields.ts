/**
 * Field ownership of the objects a Workspace owns (its PortBindings and its SyncSession), in one
 * place. The Workspace controller writes exactly these fields of an owned object and preserves
 * everything else as stored, so what others set on the object survives its reconcile:
 *
 * - spec: the fields listed below, each derived from the Workspace's spec (absent in the desired
 *   object → removed). A SyncSession's `spec.paused` is not among them: it is user intent, owned
 *   by `boulder sync pause|resume` and `boulder workspace sync-pause|sync-resume` (or anyone
 *   editing the session). A workspace that is not Running holds its sync through the SyncSession
 *   controller reading the owning Workspace (syncsession/workspace-hold.ts), not through this field.
 * - metadata.labels: only `nexus.dev/workspace`; other labels are left as they are.
 * - metadata.ownerReferences: only the reference to this Workspace (by uid); others are kept.
 * - metadata.annotations, finalizers and every status field: never written by the owner (the
 *   CLI's sync requests are annotations; finalizers belong to the owned kind's controller).
 */
import { isDeepStrictEqual } from 'node:util';
import type { OwnerReference } from '../../apis/meta.ts';
import { applyDefaults } from '../../apis/validation/defaults.ts';
import type { PortBinding, PortBindingSpec } from '../../apis/types/index.ts';
import type { SyncSession, SyncSessionSpec } from '../../apis/types/syncsession.ts';
import { WORKSPACE_LABEL } from '../../apis/names/index.ts';

/** The SyncSession spec fields the owning Workspace writes (not `paused`: see the module comment). */
export const SYNC_SESSION_OWNED_SPEC = ['workspace', 'alpha', 'beta', 'mode', 'exclude', 'conflict'] as const satisfies readonly (keyof SyncSessionSpec)[];

/** The PortBinding spec fields the owning Workspace writes: all of today's, each derived from spec.ports or spec.services. */
export const PORT_BINDING_OWNED_SPEC = ['workspace', 'name', 'service', 'containerPort', 'hostPort', 'protocol', 'visibility', 'hostIP'] as const satisfies readonly (keyof PortBindingSpec)[];

/** The labels the owning Workspace writes on what it owns. */
export const OWNED_LABELS: readonly string[] = [WORKSPACE_LABEL];

/** An object a Workspace owns. */
type Owned = PortBinding | SyncSession;

/** The owned spec fields of `obj`'s kind. */
function ownedSpecFields(obj: Owned): readonly string[] {
  return obj.kind === 'SyncSession' ? SYNC_SESSION_OWNED_SPEC : PORT_BINDING_OWNED_SPEC;
}

/** JSON value of `v` (undefined stays undefined), so stored and desired compare alike. */
function plain(v: unknown): unknown {
  return v === undefined ? undefined : JSON.parse(JSON.stringify(v));
}

/** The reference to the owner with `uid` among `refs`. */
function referenceTo(refs: readonly OwnerReference[] | undefined, uid: string | undefined): OwnerReference | undefined {
  return (refs ?? []).find((r) => r.uid === uid);
}

/**
 * True when every field the owner owns is, in `have` (as stored), what `desired` says once the
 * store's defaults are applied to it (an owned field the owner leaves unset, such as a session's
 * `conflict`, is stored with its schema default and is no difference): the owned spec fields, the
 * owned labels and the owner's own reference. Pure.
 */
export function ownedFieldsEqual<T extends Owned>(have: T, desired: T): boolean {
  const want = applyDefaults(desired);
  const haveSpec = have.spec as unknown as Record<string, unknown>;
  const wantSpec = want.spec as unknown as Record<string, unknown>;
  if (!ownedSpecFields(want).every((f) => isDeepStrictEqual(plain(haveSpec[f]), plain(wantSpec[f])))) return false;
  if (!OWNED_LABELS.every((l) => have.metadata.labels?.[l] === want.metadata.labels?.[l])) return false;
  const ownRef = want.metadata.ownerReferences?.[0];
  return isDeepStrictEqual(plain(referenceTo(have.metadata.ownerReferences, ownRef?.uid)), plain(ownRef));
}

/**
 * `have` with the owned fields set to `desired`'s, defaults applied (an owned spec field absent
 * there is removed), and everything else as stored: other spec fields (e.g. `paused`), other
 * labels, annotations, finalizers, other owner references, status. Pure.
 */
export function withOwnedFields<T extends Owned>(have: T, desired: T): T {
  const want = applyDefaults(desired);
  const spec: Record<string, unknown> = { ...(have.spec as unknown as Record<string, unknown>) };
  const wantSpec = want.spec as unknown as Record<string, unknown>;
  for (const f of ownedSpecFields(want)) {
    if (wantSpec[f] === undefined) delete spec[f];
    else spec[f] = plain(wantSpec[f]);
  }
  const labels: Record<string, string> = { ...have.metadata.labels };
  for (const l of OWNED_LABELS) {
    const value = want.metadata.labels?.[l];
    if (value === undefined) delete labels[l];
    else labels[l] = value;
  }
  const ownRef = want.metadata.ownerReferences?.[0];
  const stored = have.metadata.ownerReferences ?? [];
  const ownerReferences =
    ownRef === undefined ? stored : referenceTo(stored, ownRef.uid) === undefined ? [...stored, ownRef] : stored.map((r) => (r.uid === ownRef.uid ? ownRef : r));
  return { ...have, metadata: { ...have.metadata, labels, ownerReferences }, spec } as T;
}
