/**
 * Rendering of `boulder config view`: the effective configuration as YAML (with `# origin` comments
 * for --show-origin) or JSON. Loaded only when the command runs.
 */
import { Document } from 'yaml';
import type { EffectiveConfig } from '../../apis/config/effective.ts';
import { describeOriginWithKey, showValue } from '../../apis/config/explain.ts';
import type { EffectiveEntry } from '../../apis/config/types.ts';

/** `env NEXUS_IDLE_TIMEOUT (overrides flag 4h, project 2h, user 1h, node 30m)`, with the origin's note when it has one. */
export function originComment(entry: EffectiveEntry): string {
  const overridden = [...entry.overridden].reverse().map((o) => `${o.layer} ${o.key === entry.key ? '' : `${o.key} `}${showValue(o.value)}`);
  const note = entry.origin.note === undefined ? '' : `; ${entry.origin.note}`;
  return `${describeOriginWithKey(entry.origin)}${note}${overridden.length === 0 ? '' : ` (overrides ${overridden.join(', ')})`}`;
}

/** The header of `view --show-origin`: which files were read. */
function filesHeader(config: EffectiveConfig): string {
  const { files, repoRoot, matchedOverrides } = config.context;
  const lines = (['node', 'user', 'project'] as const).map((level) => `# ${level.padEnd(8)} ${files[level]?.shown ?? '(none)'}`);
  if (repoRoot !== undefined) lines.push(`# repository ${repoRoot}`);
  if (matchedOverrides !== undefined && matchedOverrides.length > 0) lines.push(`# project_overrides applied: ${matchedOverrides.join(', ')}`);
  return `${lines.join('\n')}\n`;
}

/** The effective configuration as YAML; with `showOrigin`, one origin comment per value. */
export function renderConfigYaml(config: EffectiveConfig, showOrigin: boolean): string {
  const doc = new Document(config.values);
  if (showOrigin) {
    for (const entry of config.entries) {
      const node = doc.getIn(entry.path, true) as { comment?: string | null; flow?: boolean } | undefined;
      if (node === undefined || node === null || typeof node !== 'object') continue;
      if ('flow' in node || typeof entry.value === 'object') node.flow = true;
      node.comment = ` ${originComment(entry)}`;
    }
  }
  const body = Object.keys(config.values).length === 0 ? '{}\n' : doc.toString({ lineWidth: 0 });
  return showOrigin ? `${filesHeader(config)}${body}` : body;
}

/** The effective configuration as JSON; with `showOrigin`, `{values, origins}` keyed by effective key. */
export function renderConfigJson(config: EffectiveConfig, showOrigin: boolean): string {
  if (!showOrigin) return `${JSON.stringify(config.values, null, 4)}\n`;
  const origins = Object.fromEntries(config.entries.map((entry) => [entry.key, { ...entry.origin, overridden: entry.overridden }]));
  return `${JSON.stringify({ values: config.values, files: config.context.files, origins }, null, 4)}\n`;
}
