/**
 * Builds the dependencies command handlers run with, backed by the real process: its streams,
 * environment, working directory, wall clock, the daemon's settings (state dir, socket, log level
 * from flags, variables and the node file), and the store: the embedded one in the state dir, or a
 * Kubernetes cluster when `--kubeconfig` or `--context` is given or the configuration says
 * `store: kubernetes` (apis/config/store-settings.ts).
 */
import { readStreamBounded } from '../apis/validation/bounded-read.ts';
import type { KubernetesClientSpec } from '../apis/client/open.ts';
import type { ResourceClient } from '../apis/client/types.ts';
import { resolveCliSettings } from '../apis/config/cli-settings.ts';
import { homeOfEnv } from '../apis/config/daemon-config.ts';
import { daemonSettingsWithoutFiles, defaultStateDir } from '../apis/config/daemon-settings.ts';
import { storeFromFlags, type StoreFlags, type StoreSettings } from '../apis/config/store-settings.ts';
import { locateNodeConfig } from '../apis/config/paths.ts';
import { UsageError } from './cli-error.ts';
import type { NodeApiAccess } from './node/access.ts';
import type { CliDeps, CliOverrides } from './command.ts';

/**
 * Commands that never use the state dir (nor the daemon): they do not pay for reading the node and
 * user files to find it (`config` reads them itself, every key of them).
 */
export const STATE_DIR_FREE_COMMANDS: ReadonlySet<string> = new Set(['api', 'completion', 'config', 'explain', 'import', 'init', 'trace', 'version']);

/**
 * Commands that choose their store themselves, so the configuration's `store` (and NEXUS_STORE)
 * does not apply to them, only the flags: the daemon serves its state dir (`apply` starts it with
 * `--state-dir` alone), and `boulder controller` runs against $KUBECONFIG or in-cluster.
 */
export const CONFIGURED_STORE_FREE_COMMANDS: ReadonlySet<string> = new Set(['controller', 'daemon']);

/** Inputs of createProcessDeps. */
export interface ProcessDepsInput {
  /** The command that runs (its canonical name); see STATE_DIR_FREE_COMMANDS. */
  command?: string;
  stateDirFlag: string | undefined;
  /** `--store embedded|kubernetes`: overrides the configuration's `store` for this command. */
  storeFlag?: string | undefined;
  /** `--kubeconfig`: store objects in that cluster. */
  kubeconfigFlag?: string | undefined;
  /** `--context`: the kubeconfig context (implies the Kubernetes store). */
  contextFlag?: string | undefined;
  env: NodeJS.ProcessEnv;
  overrides?: CliOverrides;
}

/** The process-backed CliDeps and the cluster of a Kubernetes store (undefined: the embedded store). */
export interface ProcessContext {
  deps: CliDeps;
  kubernetes: KubernetesClientSpec | undefined;
}

/**
 * The process-backed CliDeps, with any overrides applied, and the store's cluster. Resolving the
 * daemon's settings and the store reads the node and user files when they exist (and can matter),
 * and fails (ValidationError, file:line:col) when one is broken. `--store embedded` with
 * `--kubeconfig` or `--context` is a UsageError.
 */
export async function createProcessContext({ command, stateDirFlag, storeFlag, kubeconfigFlag, contextFlag, env, overrides = {} }: ProcessDepsInput): Promise<ProcessContext> {
  const cwd = overrides.cwd ?? process.cwd();
  const home = homeOfEnv(env);
  const flags: StoreFlags = { store: storeFlag, kubeconfig: kubeconfigFlag, context: contextFlag };
  if (storeFlag === 'embedded' && (nonEmpty(kubeconfigFlag) || nonEmpty(contextFlag))) {
    throw new UsageError(`--store embedded conflicts with ${nonEmpty(kubeconfigFlag) ? '--kubeconfig' : '--context'}, which select the Kubernetes store`, command);
  }
  const usesStateDir = command === undefined || !STATE_DIR_FREE_COMMANDS.has(command);
  const configuredStore = command === undefined || !CONFIGURED_STORE_FREE_COMMANDS.has(command);
  const settings = usesStateDir ? await resolveCliSettings({ stateDirFlag, storeFlags: flags, configuredStore, env, cwd, home }) : undefined;
  const daemon = settings?.daemon;
  // A command that does not use the state dir still gets a plausible one, from the flag and variables.
  const stateDir = daemon?.stateDir ?? daemonSettingsWithoutFiles({ stateDirFlag, env, cwd, home })?.stateDir ?? defaultStateDir(home);
  const kubernetes = clientSpecOf(settings?.store ?? storeFromFlags(flags, cwd));
  // A user (not root) of a multi-user node: every command goes through the node's daemon API.
  const nodeApi = usesStateDir && command !== 'daemon' ? await nodeApiOf(env, cwd, home) : undefined;
  const deps: CliDeps = {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: () => readStreamBounded(process.stdin),
    env,
    cwd,
    clock: { now: () => new Date() },
    openClient: () => (kubernetes === undefined ? openStateDirClient(stateDir) : openSpecClient(kubernetes)),
    interruptSignal: processInterruptSignal,
    ...overrides,
    stateDir,
    ...(daemon === undefined ? {} : { daemon }),
    storeKind: kubernetes === undefined ? 'embedded' : 'kubernetes',
  };
  if (nodeApi !== undefined && overrides.openClient === undefined) {
    deps.nodeApi = nodeApi;
    deps.openClient = async () => (await import('./node/api-client.ts')).openNodeClient(nodeApi);
  }
  return { deps, kubernetes };
}

/** The node access of a user of a multi-user node (node file with multi_user.enabled, not root); undefined otherwise. */
async function nodeApiOf(env: NodeJS.ProcessEnv, cwd: string, home: string): Promise<NodeApiAccess | undefined> {
  if (locateNodeConfig(env, cwd) === undefined || process.getuid?.() === 0) return undefined;
  const [{ loadNodeMode }, { nodeAccessOf }] = await Promise.all([import('../apis/config/node-mode.ts'), import('./node/access.ts')]);
  return nodeAccessOf(await loadNodeMode(env, cwd, home), process.getuid?.(), env);
}

/** createProcessContext's CliDeps alone. */
export async function createProcessDeps(input: ProcessDepsInput): Promise<CliDeps> {
  return (await createProcessContext(input)).deps;
}

/** The client spec of a Kubernetes store; undefined for the embedded store. */
export function clientSpecOf(store: StoreSettings): KubernetesClientSpec | undefined {
  if (store.kind !== 'kubernetes') return undefined;
  const spec: KubernetesClientSpec = { type: 'kubernetes' };
  if (store.kubeconfig !== undefined) spec.kubeconfig = store.kubeconfig;
  if (store.context !== undefined) spec.context = store.context;
  return spec;
}

function nonEmpty(text: string | undefined): boolean {
  return text !== undefined && text !== '';
}

/** Opens the embedded store of a state dir (loaded lazily: SQLite and validation are not free). */
export async function openStateDirClient(stateDir: string): Promise<ResourceClient> {
  const { openClient, embeddedClientSpec } = await import('../apis/client/open.ts');
  return openClient(embeddedClientSpec(stateDir));
}

/** The namespace of the kubeconfig context a Kubernetes store uses (`default` when the context names none). */
export async function kubeContextNamespace(spec: KubernetesClientSpec): Promise<string> {
  const { loadKubeConfig } = await import('../apis/client/kubernetes/kubeconfig.ts');
  const kc = loadKubeConfig(spec);
  return kc.getContextObject(kc.getCurrentContext())?.namespace ?? 'default';
}

async function openSpecClient(spec: KubernetesClientSpec): Promise<ResourceClient> {
  const { openClient } = await import('../apis/client/open.ts');
  return openClient(spec);
}

let interrupt: AbortController | undefined;

/** Aborts on the first SIGINT or SIGTERM; a second one kills the process the default way. */
function processInterruptSignal(): AbortSignal {
  if (interrupt === undefined) {
    const controller = new AbortController();
    interrupt = controller;
    const onSignal = (signal: NodeJS.Signals): void => {
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
      controller.abort(new Error(`interrupted by ${signal}`));
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }
  return interrupt.signal;
}
