/**
 * The host port range the controllers allocate from: the effective `port_range` of the node and
 * user configuration (and `NEXUS_PORT_RANGE`), without a project — host ports are shared by every
 * workspace the daemon serves. A configuration that does not load is reported and ignored, so a
 * typo in ~/.nexus/config.yaml never stops the daemon; the port plan's own ranges apply then.
 */
import type { CliDeps } from '../command.ts';
import type { PortRange } from '../../controllers/portbinding/contracts.ts';

/** The configured range, or undefined for the port plan's defaults. */
export async function configuredPortRange(deps: Pick<CliDeps, 'cwd' | 'env'>, warn: (message: string) => void): Promise<PortRange | undefined> {
  try {
    const { loadEffectiveConfig } = await import('../../apis/config/index.ts');
    const config = await loadEffectiveConfig({ cwd: deps.cwd, env: deps.env, repoRoot: false });
    const range = config.values.port_range as PortRange | undefined;
    return range === undefined ? undefined : { start: range.start, end: range.end };
  } catch (err) {
    warn(`ignoring port_range: the configuration does not load: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
    return undefined;
  }
}
