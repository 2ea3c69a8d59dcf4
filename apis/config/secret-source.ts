/**
 * Secret sources as configuration writes them (`env:NAME`, `file:/path`, `keychain:service/account`
 * or the same as an object with `from`), parsed and turned into one canonical text. Only sources are
 * handled here, never values.
 */
import { isAbsolute, resolve } from 'node:path';
import { isRecord } from '../validation/field-path.ts';
import { expandHome } from './paths.ts';

/** A parsed secret source. */
export type ParsedSecretSource =
  | { from: 'env'; name: string }
  | { from: 'file'; path: string }
  | { from: 'keychain'; service: string; account: string };

/** Parses a source in text or object form; undefined when it is neither. */
export function parseSecretSource(source: unknown): ParsedSecretSource | undefined {
  if (typeof source === 'string') {
    const colon = source.indexOf(':');
    const kind = source.slice(0, colon);
    const rest = source.slice(colon + 1);
    if (colon < 0 || rest === '') return undefined;
    if (kind === 'env') return /^[A-Za-z_][A-Za-z0-9_]*$/.test(rest) ? { from: 'env', name: rest } : undefined;
    if (kind === 'file') return { from: 'file', path: rest };
    if (kind === 'keychain') {
      const slash = rest.indexOf('/');
      if (slash <= 0 || slash === rest.length - 1) return undefined;
      return { from: 'keychain', service: rest.slice(0, slash), account: rest.slice(slash + 1) };
    }
    return undefined;
  }
  if (!isRecord(source)) return undefined;
  if (source.from === 'env' && typeof source.name === 'string') return { from: 'env', name: source.name };
  if (source.from === 'file' && typeof source.path === 'string') return { from: 'file', path: source.path };
  if (source.from === 'keychain' && typeof source.service === 'string' && typeof source.account === 'string') {
    return { from: 'keychain', service: source.service, account: source.account };
  }
  return undefined;
}

/** The canonical text of a source: `env:NAME`, `file:/path`, `keychain:service/account`. */
export function formatSecretSource(source: ParsedSecretSource): string {
  switch (source.from) {
    case 'env':
      return `env:${source.name}`;
    case 'file':
      return `file:${source.path}`;
    case 'keychain':
      return `keychain:${source.service}/${source.account}`;
  }
}

/**
 * The canonical text of `source` with a file path made absolute (`~/` is `home`, relative paths
 * are relative to `baseDir`, the directory of the file that names it). Unparseable input is
 * returned unchanged (schema validation reports it).
 */
export function normalizeSecretSource(source: unknown, baseDir: string, home: string): unknown {
  const parsed = parseSecretSource(source);
  if (parsed === undefined) return source;
  if (parsed.from === 'file') {
    const expanded = expandHome(parsed.path, home);
    return formatSecretSource({ from: 'file', path: isAbsolute(expanded) ? expanded : resolve(baseDir, expanded) });
  }
  return formatSecretSource(parsed);
}
