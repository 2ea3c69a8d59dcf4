/**
 * Builds the dependencies command handlers run with, backed by the real process: its streams,
 * environment, working directory, wall clock, the daemon's settings (state dir, socket, log level
 * from flags, variables and the node and user files), and the store: the embedded one in the
 * state dir, or a Kubernetes cluster when `--kubeconfig` or `--context` is given.
 */
import { resolve } from 'node:path';
import { text } from 'node:stream/consumers';
import type { KubernetesClientSpec } from '../apis/client/open.ts';
import type { ResourceClient } from '../apis/client/types.ts';
import { homeOfEnv, resolveDaemonSettings } from '../apis/config/daemon-config.ts';
import { daemonSettingsWithoutFiles, defaultStateDir } from '../apis/config/daemon-settings.ts';
import type { CliDeps } from './command.ts';
import type { CliOverrides } from './main.ts';

/**
 * Commands that never use the state dir (nor the daemon): they do not pay for reading the node and
 * user files to find it (`config` reads them itself, every key of them).
 */
export const STATE_DIR_FREE_COMMANDS: ReadonlySet<string> = new Set(['completion', 'config', 'explain', 'import', 'init', 'version']);

/** Inputs of createProcessDeps. */
export interface ProcessDepsInput {
  /** The command that runs (its canonical name); see STATE_DIR_FREE_COMMANDS. */
  command?: string;
  stateDirFlag: string | undefined;
  /** `--kubeconfig`: store objects in that cluster. */
  kubeconfigFlag?: string | undefined;
  /** `--context`: the kubeconfig context (implies the Kubernetes store). */
  contextFlag?: string | undefined;
  env: NodeJS.ProcessEnv;
  overrides?: CliOverrides;
}

/**
 * The process-backed CliDeps, with any overrides applied. Resolving the daemon's settings reads the
 * node and user files when they exist, and fails (ValidationError, file:line:col) when one is broken.
 */
export async function createProcessDeps({ command, stateDirFlag, kubeconfigFlag, contextFlag, env, overrides = {} }: ProcessDepsInput): Promise<CliDeps> {
  const cwd = overrides.cwd ?? process.cwd();
  const home = homeOfEnv(env);
  const daemon = command !== undefined && STATE_DIR_FREE_COMMANDS.has(command) ? undefined : await resolveDaemonSettings({ stateDirFlag, env, cwd, home });
  // A command that does not use the state dir still gets a plausible one, from the flag and variables.
  const stateDir = daemon?.stateDir ?? daemonSettingsWithoutFiles({ stateDirFlag, env, cwd, home })?.stateDir ?? defaultStateDir(home);
  const kubernetes = kubernetesSpecFromFlags(kubeconfigFlag, contextFlag);
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: () => text(process.stdin),
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
}

/** Opens the embedded store of a state dir (loaded lazily: SQLite and validation are not free). */
export async function openStateDirClient(stateDir: string): Promise<ResourceClient> {
  const { openClient, embeddedClientSpec } = await import('../apis/client/open.ts');
  return openClient(embeddedClientSpec(stateDir));
}

/**
 * The Kubernetes store named by `--kubeconfig PATH` and/or `--context NAME` (a context alone uses
 * the default kubeconfig: $KUBECONFIG, else ~/.kube/config); undefined when neither is given.
 */
export function kubernetesSpecFromFlags(kubeconfig: string | undefined, context: string | undefined): KubernetesClientSpec | undefined {
  if ((kubeconfig === undefined || kubeconfig === '') && (context === undefined || context === '')) return undefined;
  const spec: KubernetesClientSpec = { type: 'kubernetes' };
  if (kubeconfig !== undefined && kubeconfig !== '') spec.kubeconfig = resolve(kubeconfig);
  if (context !== undefined && context !== '') spec.context = context;
  return spec;
}

/** The namespace of the kubeconfig context the flags select (`default` when the context names none). */
export async function kubeContextNamespace(kubeconfig: string | undefined, context: string | undefined): Promise<string> {
  const { loadKubeConfig } = await import('../apis/client/kubernetes/kube-connection.ts');
  const spec = kubernetesSpecFromFlags(kubeconfig, context) ?? {};
  const kc = await loadKubeConfig(spec);
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
