/**
 * `boulder describe` text: kubectl-describe-like sections for one object (metadata, spec, status,
 * conditions table, owner and owned objects).
 */
import type { KubeObject } from '../../apis/meta.ts';
import { cleanupFailureOf, terminalFailureOf, TERMINATING } from '../../apis/terminal.ts';
import { ageOf } from './age.ts';
import { conditionOf, conditionsOf, fieldAt, textAt } from './fields.ts';
import { formatTable } from './table.ts';
import { READY, STALLED } from '../../apis/names/index.ts';

const LABEL_WIDTH = 20;

function field(label: string, value: string): string {
  return `${`${label}:`.padEnd(LABEL_WIDTH)}${value}\n`;
}

/** `key=value` lines aligned under the label, or `<none>`. */
function mapField(label: string, map: Record<string, string> | undefined): string {
  const entries = Object.entries(map ?? {});
  if (entries.length === 0) return field(label, '<none>');
  return entries.map(([k, v], i) => (i === 0 ? field(label, `${k}=${v}`) : `${' '.repeat(LABEL_WIDTH)}${k}=${v}\n`)).join('');
}

function listField(label: string, items: readonly string[] | undefined): string {
  if (items === undefined || items.length === 0) return field(label, '<none>');
  return items.map((item, i) => (i === 0 ? field(label, item) : `${' '.repeat(LABEL_WIDTH)}${item}\n`)).join('');
}

/** A timestamp with its age, `2025-01-01T00:00:00Z (5m ago)`. */
function timestampField(label: string, timestamp: string | undefined, nowMs: number): string {
  return field(label, timestamp === undefined ? '<none>' : `${timestamp} (${ageOf(timestamp, nowMs)} ago)`);
}

/** A YAML block indented by two spaces under a section title. */
async function yamlSection(title: string, value: unknown): Promise<string> {
  if (value === undefined || value === null || (typeof value === 'object' && Object.keys(value).length === 0)) return `${title}:`.padEnd(LABEL_WIDTH) + '<none>\n';
  const { stringify } = await import('yaml');
  const body = stringify(value, { lineWidth: 0 }).trimEnd().split('\n').map((line) => `  ${line}`).join('\n');
  return `${title}:\n${body}\n`;
}

function indent(text: string): string {
  return text.split('\n').map((line) => (line === '' ? line : `  ${line}`)).join('\n');
}

/** The conditions table section. */
export function conditionsSection(obj: KubeObject, nowMs: number): string {
  const conditions = conditionsOf(obj);
  if (conditions.length === 0) return field('Conditions', '<none>');
  const rows = conditions.map((c) => [c.type, c.status, c.reason === '' ? '<none>' : c.reason, ageOf(c.lastTransitionTime, nowMs), c.message]);
  return `Conditions:\n${indent(formatTable(['TYPE', 'STATUS', 'REASON', 'AGE', 'MESSAGE'], rows))}`;
}

/**
 * The events section: what the controller reported happening to the object, newest last — drift
 * repairs (`status.repairs`), a failing cleanup (Ready=False/CleanupFailed, its message rewritten
 * on every retry with the next retry time; AGE is since the first failure) and a terminal failure
 * (Stalled=True). boulder keeps no separate event log: these come from the status.
 */
export function eventsSection(obj: KubeObject, nowMs: number): string {
  const events: { type: string; reason: string; at: string | undefined; message: string }[] = [];
  const repairs = fieldAt(obj, 'status.repairs');
  if (Array.isArray(repairs)) {
    for (const r of repairs as { at?: string; what?: string }[]) events.push({ type: 'Normal', reason: 'Repaired', at: r.at, message: r.what ?? '' });
  }
  const cleanup = cleanupFailureOf(obj);
  if (cleanup !== undefined) events.push({ type: 'Warning', reason: cleanup.reason, at: conditionOf(obj, READY)?.lastTransitionTime, message: cleanup.message });
  const terminal = terminalFailureOf(obj);
  if (terminal !== undefined) events.push({ type: 'Warning', reason: terminal.reason, at: conditionOf(obj, STALLED)?.lastTransitionTime, message: `${terminal.message} (not retried until the spec changes)` });
  if (events.length === 0) return field('Events', '<none>');
  events.sort((a, b) => Date.parse(a.at ?? '') - Date.parse(b.at ?? ''));
  const rows = events.map((e) => [e.type, e.reason, ageOf(e.at, nowMs), e.message]);
  return `Events:\n${indent(formatTable(['TYPE', 'REASON', 'AGE', 'MESSAGE'], rows))}`;
}

/** The owned objects section. */
export function ownedSection(owned: readonly KubeObject[], nowMs: number): string {
  if (owned.length === 0) return field('Owned Objects', '<none>');
  const rows = owned.map((o) => [o.kind, o.metadata.name, textAt(o, 'status.phase') ?? '<none>', ageOf(o.metadata.creationTimestamp, nowMs)]);
  return `Owned Objects:\n${indent(formatTable(['KIND', 'NAME', 'PHASE', 'AGE'], rows))}`;
}

/** Full describe text of one object; `owned` are the objects whose ownerReferences name it. */
export async function describeObject(obj: KubeObject, owned: readonly KubeObject[], nowMs: number): Promise<string> {
  const m = obj.metadata;
  const owners = (m.ownerReferences ?? []).map((r) => `${r.kind}/${r.name}${r.controller === true ? ' (controller)' : ''}`);
  const { conditions: _conditions, ...statusRest } = (obj.status ?? {}) as Record<string, unknown>;
  const parts = [
    field('Name', m.name),
    field('Namespace', m.namespace ?? 'default'),
    mapField('Labels', m.labels),
    mapField('Annotations', m.annotations),
    field('API Version', obj.apiVersion),
    field('Kind', obj.kind),
    field('UID', m.uid ?? '<none>'),
    field('Resource Version', m.resourceVersion ?? '<none>'),
    field('Generation', m.generation === undefined ? '<none>' : String(m.generation)),
    timestampField('Created', m.creationTimestamp, nowMs),
  ];
  if (m.deletionTimestamp !== undefined) {
    parts.push(timestampField('Deleting Since', m.deletionTimestamp, nowMs));
    const pending = m.finalizers ?? [];
    parts.push(field('Phase', `${TERMINATING} (${pending.length === 0 ? 'no finalizer pending' : `waiting for finalizers: ${pending.join(', ')}`})`));
  }
  parts.push(listField('Finalizers', m.finalizers), listField('Owners', owners));
  parts.push(await yamlSection('Spec', obj.spec), await yamlSection('Status', statusRest));
  parts.push(conditionsSection(obj, nowMs), eventsSection(obj, nowMs), ownedSection(owned, nowMs));
  return parts.join('');
}
