/**
 * The `boulder get` table columns of each kind. The base columns come from the same table the
 * CRDs' additionalPrinterColumns are generated from (apis/schema/printer-columns.ts), so
 * `kubectl get` and `boulder get` agree; the CLI adds READY and some `-o wide` extras.
 */
import type { KindName } from '../../apis/kinds.ts';
import type { KubeObject } from '../../apis/meta.ts';
import { TERMINATING } from '../../apis/terminal.ts';
import { IDLE, READY } from '../../apis/names/index.ts';
import { printerColumnsForKind, type PrinterColumn } from '../../apis/schema/printer-columns.ts';
import { ageOf } from './age.ts';
import { conditionOf, fieldAt, textAt } from './fields.ts';

/** Shown where a value is missing. */
export const NONE = '<none>';

/** One table column. */
export interface Column {
  header: string;
  /** Only with `-o wide`. */
  wide?: boolean;
  value(obj: KubeObject, nowMs: number): string;
}

/** Reads a simple JSONPath (`.status.phase`) as text. */
function jsonPathText(obj: KubeObject, jsonPath: string): string | undefined {
  return textAt(obj, jsonPath.replace(/^\./, ''));
}

/** A CLI column from a shared printer column. */
export function fromPrinterColumn(column: PrinterColumn): Column {
  const header = column.name.toUpperCase();
  const wide = (column.priority ?? 0) > 0;
  if (column.type === 'date') {
    return { header, wide, value: (o, now) => ageOf(jsonPathText(o, column.jsonPath), now) };
  }
  if (column.jsonPath === '.status.phase') {
    // Like kubectl's pods: an object being deleted shows Terminating, also before its controller
    // started the cleanup and wrote that phase itself (which is what kubectl's column shows).
    // A workspace the controller paused for idleness is still declared Running: `Running (idle)`.
    return {
      header,
      wide,
      value: (o) =>
        o.metadata.deletionTimestamp !== undefined ? TERMINATING : conditionOf(o, IDLE)?.status === 'True' ? 'Running (idle)' : (jsonPathText(o, column.jsonPath) ?? NONE),
    };
  }
  return { header, wide, value: (o) => jsonPathText(o, column.jsonPath) ?? NONE };
}

const ready: Column = { header: 'READY', value: (o) => conditionOf(o, READY)?.status ?? NONE };

/** `-o wide`: why the object is not Ready (e.g. CleanupFailed while a deletion is stuck). */
const reason: Column = {
  header: 'REASON',
  wide: true,
  value: (o) => {
    const condition = conditionOf(o, READY);
    return condition === undefined || condition.status === 'True' || condition.reason === '' ? NONE : condition.reason;
  },
};

/** `web:3000,db:5433->5432/udp` from a Workspace's `spec.ports` map. */
export function formatWorkspacePorts(ports: unknown): string {
  if (ports === null || typeof ports !== 'object') return NONE;
  const parts = Object.entries(ports as Record<string, Record<string, unknown>>).map(([portName, port]) => {
    const host = typeof port['hostPort'] === 'number' ? `${port['hostPort']}->` : '';
    const proto = port['protocol'] === 'udp' ? '/udp' : '';
    return `${portName}:${host}${String(port['containerPort'])}${proto}`;
  });
  return parts.length === 0 ? NONE : parts.join(',');
}

function workspaceImage(o: KubeObject): string {
  const image = textAt(o, 'spec.image');
  if (image !== undefined) return image;
  if (fieldAt(o, 'spec.build') !== undefined) return `build:${textAt(o, 'spec.build.context') ?? '.'}`;
  return NONE;
}

function wideText(header: string, path: string): Column {
  return { header, wide: true, value: (o) => textAt(o, path) ?? NONE };
}

/** Columns the CLI shows only with `-o wide`, after the shared ones. */
const wideExtras: Record<KindName, Column[]> = {
  Workspace: [
    { header: 'CONTAINER-PORTS', wide: true, value: (o) => formatWorkspacePorts(fieldAt(o, 'spec.ports')) },
    { header: 'IMAGE', wide: true, value: workspaceImage },
  ],
  PortBinding: [wideText('PROTOCOL', 'spec.protocol'), wideText('VISIBILITY', 'spec.visibility'), wideText('URL', 'status.url')],
  SyncSession: [wideText('ALPHA', 'spec.alpha'), wideText('BETA', 'spec.beta'), wideText('PAUSED', 'spec.paused')],
};

/** Every column of a kind: NAME, the shared ones with READY before AGE, then the wide extras. */
export function columnsForKind(kind: KindName): Column[] {
  const shared = printerColumnsForKind(kind).map(fromPrinterColumn);
  const ageIndex = shared.findIndex((c) => c.header === 'AGE');
  const withReady = ageIndex < 0 ? [...shared, ready, reason] : [...shared.slice(0, ageIndex), ready, reason, ...shared.slice(ageIndex)];
  return [{ header: 'NAME', value: (o) => o.metadata.name }, ...withReady, ...wideExtras[kind]];
}

/** Options of tableRows. */
export interface TableOptions {
  wide: boolean;
  withNamespace: boolean;
  nowMs: number;
}

/** Headers and rows of a `get` table for objects of one kind. */
export function tableRows(kind: KindName, objects: readonly KubeObject[], opts: TableOptions): { headers: string[]; rows: string[][] } {
  const columns = columnsForKind(kind).filter((c) => opts.wide || c.wide !== true);
  const headers = columns.map((c) => c.header);
  const rows = objects.map((o) => columns.map((c) => c.value(o, opts.nowMs)));
  if (!opts.withNamespace) return { headers, rows };
  return {
    headers: ['NAMESPACE', ...headers],
    rows: objects.map((o, i) => [o.metadata.namespace ?? 'default', ...(rows[i] as string[])]),
  };
}
