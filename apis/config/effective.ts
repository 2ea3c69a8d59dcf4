/**
 * The effective configuration: every value after merging, where it came from and what it
 * overrode, typed access for the commands that render from it, and the warnings found on the way.
 */
import type { FieldIssue } from '../errors.ts';
import type { JsonSchema } from '../schema/json-schema.ts';
import { isRecord } from '../validation/field-path.ts';
import { effectiveSchema, schemaAt } from './effective-schema.ts';
import { explainKey, type Explanation } from './explain.ts';
import type { EffectiveEntry, EffectiveLimits, EffectiveProject, EffectiveValues } from './types.ts';

/** Which files were read, and the repository the project layer belongs to. */
export interface ConfigContext {
  /** Files of each level that were loaded (absolute path and how it is shown). */
  files: { node?: ShownFile; user?: ShownFile; project?: ShownFile };
  /** Root of the repository the project configuration belongs to, when one was found. */
  repoRoot?: string;
  /** Keys of user.project_overrides that matched the repository, in the order applied. */
  matchedOverrides?: string[];
}

/** A file by absolute path and as shown in messages. */
export interface ShownFile {
  path: string;
  shown: string;
}

const PROJECT_KEYS = ['backend', 'workspace', 'ports', 'services', 'env', 'env_files', 'scripts', 'hooks', 'resources', 'secrets', 'sync', 'port_range'] as const;

/** Sets `value` at `path` in `tree`, creating objects on the way. */
function setAt(tree: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = tree;
  path.forEach((segment, i) => {
    if (i === path.length - 1) {
      node[segment] = structuredClone(value);
      return;
    }
    if (!isRecord(node[segment])) node[segment] = {};
    node = node[segment] as Record<string, unknown>;
  });
}

/** `tree` with the keys of every object ordered as the schema lists them (map keys keep their order). */
function orderBySchema(tree: unknown, schema: JsonSchema | undefined): unknown {
  if (!isRecord(tree)) return tree;
  const order = Object.keys(schema?.properties ?? {});
  const rank = (key: string): number => (order.includes(key) ? order.indexOf(key) : order.length);
  const keys = Object.keys(tree).sort((a, b) => rank(a) - rank(b));
  return Object.fromEntries(keys.map((key) => [key, orderBySchema(tree[key], schema === undefined ? undefined : schemaAt(schema, [key]))]));
}

/** The merged configuration with provenance. Build one with mergeLayers or loadEffectiveConfig. */
export class EffectiveConfig {
  /** Every effective value with its provenance, sorted by key. */
  readonly entries: readonly EffectiveEntry[];
  /** Problems that do not stop boulder: unknown NEXUS_* variables, secrets that do not resolve… */
  readonly warnings: readonly FieldIssue[];
  /** Files read and the repository found. */
  readonly context: ConfigContext;
  #values: EffectiveValues | undefined;

  constructor(entries: readonly EffectiveEntry[], warnings: readonly FieldIssue[] = [], context: ConfigContext = { files: {} }) {
    this.entries = [...entries].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    this.warnings = warnings;
    this.context = context;
  }

  /**
   * The merged values as one tree, keys in schema order. Built on first use: it needs the
   * effective schema, which a reader of single entries (the daemon's settings) does without.
   */
  get values(): EffectiveValues {
    if (this.#values === undefined) {
      const tree: Record<string, unknown> = {};
      for (const entry of this.entries) setAt(tree, entry.path, entry.value);
      this.#values = orderBySchema(tree, effectiveSchema()) as EffectiveValues;
    }
    return this.#values;
  }

  /** The entry of exactly `key` (a leaf), if set. */
  entry(key: string): EffectiveEntry | undefined {
    return this.entries.find((e) => e.key === key);
  }

  /** The project-level values `boulder up` renders a Workspace (and its PortBindings and SyncSession) from. */
  get project(): EffectiveProject {
    const project: Record<string, unknown> = {};
    for (const key of PROJECT_KEYS) if (this.values[key] !== undefined) project[key] = this.values[key];
    return project as EffectiveProject;
  }

  /** The node's limits (empty when the node sets none). */
  get limits(): EffectiveLimits {
    return this.values.limits ?? {};
  }

  /**
   * Which layer set `key` and what it overrode. Accepts effective keys (`workspace.idle_timeout`),
   * keys as files spell them (`defaults.idle_timeout`) and unique suffixes (`idle_timeout`).
   * Throws NotFound for a key the configuration does not have.
   */
  explain(key: string): Explanation {
    return explainKey(this, key);
  }

  /** A copy with more warnings and context. */
  with(extra: { warnings?: readonly FieldIssue[]; context?: ConfigContext }): EffectiveConfig {
    return new EffectiveConfig(this.entries, [...this.warnings, ...(extra.warnings ?? [])], extra.context ?? this.context);
  }
}
