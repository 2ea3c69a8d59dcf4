/**
 * The columns `kubectl get` (through the CRDs' additionalPrinterColumns) and `boulder get` show for
 * each kind, after NAME. One table so both tools print the same thing.
 */
import type { KindName } from '../kinds.ts';

/** One printer column, in the shape of a CRD's `additionalPrinterColumns` entry. */
export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  /** Simple JSONPath into the object, e.g. `.status.phase`. */
  jsonPath: string;
  description: string;
  /** 0: always shown; 1: shown with `-o wide` only. */
  priority?: number;
}

const age: PrinterColumn = {
  name: 'Age',
  type: 'date',
  jsonPath: '.metadata.creationTimestamp',
  description: 'Time since the object was created.',
};

const columnsByKind: Record<KindName, PrinterColumn[]> = {
  Workspace: [
    { name: 'Phase', type: 'string', jsonPath: '.status.phase', description: 'Lifecycle phase of the workspace.' },
    { name: 'Backend', type: 'string', jsonPath: '.spec.backend', description: 'Where the workspace runs.' },
    { name: 'Branch', type: 'string', jsonPath: '.status.branch', description: 'Branch checked out in the worktree.' },
    { name: 'State', type: 'string', jsonPath: '.spec.state', description: 'Desired lifecycle state.' },
    { name: 'Ports', type: 'string', jsonPath: '.status.ports', description: 'Host ports of its bindings (name:hostPort).' },
    age,
  ],
  PortBinding: [
    { name: 'Workspace', type: 'string', jsonPath: '.spec.workspace', description: 'Workspace whose port is bound.' },
    { name: 'Container', type: 'integer', jsonPath: '.spec.containerPort', description: 'Port inside the container.' },
    { name: 'Host', type: 'integer', jsonPath: '.status.hostPort', description: 'Host port actually bound.' },
    { name: 'Phase', type: 'string', jsonPath: '.status.phase', description: 'Binding phase.' },
    age,
  ],
  SyncSession: [
    { name: 'Workspace', type: 'string', jsonPath: '.spec.workspace', description: 'Workspace the session syncs with.' },
    { name: 'Mode', type: 'string', jsonPath: '.spec.mode', description: 'Sync mode.' },
    { name: 'Phase', type: 'string', jsonPath: '.status.phase', description: 'Sync phase.' },
    age,
  ],
};

/** The printer columns of `kind`, in display order. */
export function printerColumnsForKind(kind: KindName): PrinterColumn[] {
  return columnsByKind[kind].map((column) => ({ ...column }));
}
