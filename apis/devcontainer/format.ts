/**
 * The imported configuration as a `.nexus/config.yaml` text: the schema modeline, where it came
 * from, what was not mapped (as comments, so it stays visible in the file), then the settings.
 */
import { stringify } from 'yaml';
import type { DevcontainerImport } from './types.ts';

/** Options of formatImportedConfig. */
export interface FormatImportOptions {
  /** The devcontainer.json as shown (e.g. `.devcontainer/devcontainer.json`). */
  source: string;
  /** The project schema for the yaml-language-server modeline; none when undefined. */
  schemaPath?: string;
}

/** The first line of a project file that lets editors (yaml-language-server) complete and check it. */
export function schemaModeline(schemaPath: string): string {
  return `# yaml-language-server: $schema=${schemaPath}`;
}

/** See the module comment. */
export function formatImportedConfig(result: DevcontainerImport, options: FormatImportOptions): string {
  const lines: string[] = [];
  if (options.schemaPath !== undefined) lines.push(schemaModeline(options.schemaPath));
  lines.push(`# boulder project configuration, imported from ${options.source} by boulder import devcontainer.`);
  if (result.unmapped.length > 0) {
    lines.push('# Not mapped:');
    for (const item of result.unmapped) lines.push(`#   ${item.key}: ${item.reason}`.replace(/\n/g, ' '));
  }
  const body = Object.keys(result.config).length === 0 ? '{}\n' : stringify(result.config, { lineWidth: 0 });
  return `${lines.join('\n')}\n${body}`;
}

/** The unmapped list as text, one `key: reason` line each (the fixtures' expected-unmapped.txt format). */
export function formatUnmapped(result: DevcontainerImport): string {
  return result.unmapped.map((item) => `${item.key}: ${item.reason}\n`).join('');
}
