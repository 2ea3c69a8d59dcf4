/**
 * Which store the CLI keeps Workspace objects in — the embedded one in the state dir, or a
 * Kubernetes cluster — as the effective configuration (`store`, `backends.kubernetes.kubeconfig`
 * and `.context`) and the global flags (`--store`, `--kubeconfig`, `--context`) decide it. Pure.
 *
 * Rules, highest first:
 * - `--kubeconfig` / `--context` always select the Kubernetes store;
 * - else `--store` > `NEXUS_STORE` > user file > node file > `embedded`.
 * The cluster of a Kubernetes store: `--kubeconfig` names the kubeconfig (with its current context
 * unless `--context`); without it, when the configured store is `kubernetes`, the configured
 * `backends.kubernetes.kubeconfig` (NEXUS_KUBECONFIG) and `.context` (NEXUS_KUBE_CONTEXT, or
 * `--context`); otherwise $KUBECONFIG / ~/.kube/config and `--context`, exactly as without any
 * configuration (the configured kubeconfig of an embedded store is the kubernetes backend's).
 */
import { resolve } from 'node:path';
import type { StoreKind } from '../types/index.ts';
import type { SettingEntry } from './daemon-settings.ts';
import type { ValueOrigin } from './types.ts';

export type { StoreKind } from '../types/index.ts';

/** Every value `store` accepts (the schema's enum). */
export const STORE_KINDS: readonly StoreKind[] = ['embedded', 'kubernetes'];

/** The store when nothing selects one. */
export const DEFAULT_STORE_KIND: StoreKind = 'embedded';

/** The global flag that sets `store` for one command. */
export const STORE_FLAG = '--store';
/** The variable that sets `store`. */
export const STORE_VARIABLE = 'NEXUS_STORE';
/** The variable that sets `backends.kubernetes.kubeconfig`. */
export const KUBECONFIG_VARIABLE = 'NEXUS_KUBECONFIG';
/** The variable that sets `backends.kubernetes.context`. */
export const KUBE_CONTEXT_VARIABLE = 'NEXUS_KUBE_CONTEXT';

/** The variables the store depends on. */
export const STORE_VARIABLES: readonly string[] = [STORE_VARIABLE, KUBECONFIG_VARIABLE, KUBE_CONTEXT_VARIABLE];

/** The effective keys the store is read from. */
export const STORE_KEYS = { kind: 'store', kubeconfig: 'backends.kubernetes.kubeconfig', context: 'backends.kubernetes.context' } as const;

/** The global flags that select the store, as typed (empty text counts as not given). */
export interface StoreFlags {
  store?: string | undefined;
  kubeconfig?: string | undefined;
  context?: string | undefined;
}

/** The store a command uses, and who said so. */
export interface StoreSettings {
  kind: StoreKind;
  /** Absolute kubeconfig path of a Kubernetes store; absent: $KUBECONFIG, else ~/.kube/config. */
  kubeconfig?: string;
  /** Context of a Kubernetes store; absent: the kubeconfig's current context. */
  context?: string;
  /** Where each value was set; absent for a default. */
  origins: { kind?: ValueOrigin; kubeconfig?: ValueOrigin; context?: ValueOrigin };
}

/** True for one of STORE_KINDS. */
export function isStoreKind(value: unknown): value is StoreKind {
  return typeof value === 'string' && (STORE_KINDS as readonly string[]).includes(value);
}

const given = (text: string | undefined): text is string => text !== undefined && text !== '';

const flagOrigin = (flag: string, key: string, value: unknown): ValueOrigin => ({ layer: 'flag', source: flag, key, value });

/**
 * The store from the flags and the effective entries below them (`entry(STORE_KEYS.kind)`…, the
 * `--store` flag included). `cwd` resolves a relative `--kubeconfig`.
 */
export function storeSettingsOf(entry: (key: string) => SettingEntry | undefined, flags: StoreFlags, cwd: string): StoreSettings {
  const configured = entry(STORE_KEYS.kind);
  const configuredKind = isStoreKind(configured?.value) ? configured.value : DEFAULT_STORE_KIND;
  const origins: StoreSettings['origins'] = {};
  const settings: StoreSettings = { kind: configuredKind, origins };
  if (given(flags.kubeconfig) || given(flags.context)) {
    settings.kind = 'kubernetes';
    origins.kind = flagOrigin(given(flags.kubeconfig) ? '--kubeconfig' : '--context', STORE_KEYS.kind, 'kubernetes');
  } else if (configured !== undefined) {
    origins.kind = configured.origin;
  }
  if (settings.kind === 'embedded') return settings;
  const fromConfig = configuredKind === 'kubernetes' && !given(flags.kubeconfig);
  if (given(flags.kubeconfig)) {
    settings.kubeconfig = resolve(cwd, flags.kubeconfig);
    origins.kubeconfig = flagOrigin('--kubeconfig', STORE_KEYS.kubeconfig, settings.kubeconfig);
  } else if (fromConfig) {
    const kubeconfig = entry(STORE_KEYS.kubeconfig);
    if (typeof kubeconfig?.value === 'string') {
      settings.kubeconfig = kubeconfig.value;
      origins.kubeconfig = kubeconfig.origin;
    }
  }
  if (given(flags.context)) {
    settings.context = flags.context;
    origins.context = flagOrigin('--context', STORE_KEYS.context, flags.context);
  } else if (fromConfig) {
    const context = entry(STORE_KEYS.context);
    if (typeof context?.value === 'string') {
      settings.context = context.value;
      origins.context = context.origin;
    }
  }
  return settings;
}

/**
 * What `--store`, `NEXUS_STORE`, `NEXUS_KUBECONFIG` and `NEXUS_KUBE_CONTEXT` set, as effective
 * entries with the origins the flag and environment layers record (`--store` outranks its
 * variable, as `--state-dir` does). Undefined when a value needs the configuration's validation to
 * be reported (a `--store` or `NEXUS_STORE` that is not a store kind).
 */
export function storeFlagAndEnvEntries(storeFlag: string | undefined, env: NodeJS.ProcessEnv, cwd: string): Map<string, SettingEntry> | undefined {
  if (storeFlag !== undefined && !isStoreKind(storeFlag)) return undefined;
  const kind = env[STORE_VARIABLE];
  if (given(kind) && !isStoreKind(kind)) return undefined;
  const entries = new Map<string, SettingEntry>();
  const set = (key: string, value: unknown, layer: 'flag' | 'env', source: string): void => {
    entries.set(key, { value, origin: { layer, source, key, value } });
  };
  if (given(kind)) set(STORE_KEYS.kind, kind, 'env', STORE_VARIABLE);
  if (storeFlag !== undefined) set(STORE_KEYS.kind, storeFlag, 'flag', STORE_FLAG);
  const kubeconfig = env[KUBECONFIG_VARIABLE];
  if (given(kubeconfig)) set(STORE_KEYS.kubeconfig, resolve(cwd, kubeconfig), 'env', KUBECONFIG_VARIABLE);
  const context = env[KUBE_CONTEXT_VARIABLE];
  if (given(context)) set(STORE_KEYS.context, context, 'env', KUBE_CONTEXT_VARIABLE);
  return entries;
}

/** The store the flags alone select (`--store` if it is a store kind, `--kubeconfig`, `--context`). */
export function storeFromFlags(flags: StoreFlags, cwd: string): StoreSettings {
  const entries = storeFlagAndEnvEntries(flags.store, {}, cwd) ?? new Map<string, SettingEntry>();
  return storeSettingsOf((key) => entries.get(key), flags, cwd);
}
