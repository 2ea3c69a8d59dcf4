/**
 * Multi-user mode: a node file with `multi_user.enabled: true` makes `multi_user.state_dir`
 * (default /var/lib/nexus/state) the default `daemon.state_dir` of every user. As a layer just
 * above the built-in defaults, so the node's own `daemon.state_dir`, the user file, variables and
 * flags still override it, and provenance names the node file. Pure.
 */
import { isRecord } from '../validation/field-path.ts';
import { DEFAULT_MULTI_USER_STATE_DIR } from './daemon-settings.ts';
import type { ConfigFile } from './read-file.ts';
import type { ConfigLayer } from './types.ts';

/**
 * The layer setting `daemon.state_dir` to the shared state dir when `node` (its layer values, paths
 * already absolute, in `nodeValues`) enables multi-user mode; undefined otherwise.
 */
export function multiUserLayer(node: ConfigFile, nodeValues: Record<string, unknown>): ConfigLayer | undefined {
  const multiUser = nodeValues['multi_user'];
  if (!isRecord(multiUser) || multiUser['enabled'] !== true) return undefined;
  const enabledAt = node.locate(['multi_user', 'enabled']);
  const where = enabledAt === undefined ? node.shown : `${node.shown}:${enabledAt.line}:${enabledAt.column}`;
  const note = `multi-user mode (multi_user.enabled at ${where})`;
  const configured = multiUser['state_dir'];
  if (typeof configured === 'string') {
    return {
      layer: 'node',
      source: node.shown,
      values: { daemon: { state_dir: configured } },
      locate: () => ({ source: node.shown, ...node.locate(['multi_user', 'state_dir']), sourceKey: 'multi_user.state_dir', note }),
    };
  }
  return {
    layer: 'default',
    source: 'built-in',
    values: { daemon: { state_dir: DEFAULT_MULTI_USER_STATE_DIR } },
    locate: () => ({ source: 'built-in', note }),
  };
}
