/**
 * The grammar every SyncSession endpoint address shares: `<scheme>://<rest>` names an endpoint a
 * backend serves (`docker://`, `volume://`, `pod://`, `sprite://`: the provider that owns the
 * scheme parses the rest, controllers/providers/sync-capability.ts); anything else is a path on
 * this machine (a local endpoint). Pure.
 */

/** An address scheme: a letter, then letters, digits, `+`, `-` or `.` (RFC 3986), lower-cased by nobody. */
const SCHEME = /^([a-z][a-z0-9+.-]*):\/\//;

/** The scheme of `address` (`docker` for `docker://web/workspace`), or undefined for a local path. */
export function addressScheme(address: string): string | undefined {
  return SCHEME.exec(address)?.[1];
}
