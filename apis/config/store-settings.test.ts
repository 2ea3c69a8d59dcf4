import { describe, expect, it } from 'vitest';
import type { SettingEntry } from './daemon-settings.ts';
import { storeFlagAndEnvEntries, storeFromFlags, storeSettingsOf, STORE_KEYS } from './store-settings.ts';

const file = (value: unknown, line: number): SettingEntry => ({ value, origin: { layer: 'user', source: '~/.nexus/config.yaml', line, column: 8, key: '', value } });

/** Entries as a user file would give them. */
function entries(values: Record<string, unknown>): (key: string) => SettingEntry | undefined {
  return (key) => (values[key] === undefined ? undefined : file(values[key], 1));
}

describe('storeSettingsOf', () => {
  it('is the embedded store when nothing selects one', () => {
    expect(storeSettingsOf(entries({}), {}, '/w')).toEqual({ kind: 'embedded', origins: {} });
  });

  it('ignores the kubernetes backend settings of an embedded store', () => {
    const settings = storeSettingsOf(entries({ [STORE_KEYS.kubeconfig]: '/kc', [STORE_KEYS.context]: 'team' }), {}, '/w');
    expect(settings).toEqual({ kind: 'embedded', origins: {} });
  });

  it('takes the cluster of store: kubernetes from backends.kubernetes', () => {
    const settings = storeSettingsOf(entries({ [STORE_KEYS.kind]: 'kubernetes', [STORE_KEYS.kubeconfig]: '/kc', [STORE_KEYS.context]: 'team' }), {}, '/w');
    expect(settings).toMatchObject({ kind: 'kubernetes', kubeconfig: '/kc', context: 'team' });
    expect(settings.origins.kind).toMatchObject({ layer: 'user', value: 'kubernetes' });
  });

  it('store: kubernetes without a kubeconfig is the default kubeconfig and its current context', () => {
    expect(storeSettingsOf(entries({ [STORE_KEYS.kind]: 'kubernetes' }), {}, '/w')).toMatchObject({ kind: 'kubernetes' });
    expect(storeSettingsOf(entries({ [STORE_KEYS.kind]: 'kubernetes' }), {}, '/w')).not.toHaveProperty('kubeconfig');
  });

  it('--kubeconfig replaces the configured kubeconfig and context; --context only the context', () => {
    const configured = entries({ [STORE_KEYS.kind]: 'kubernetes', [STORE_KEYS.kubeconfig]: '/kc', [STORE_KEYS.context]: 'team' });
    const byKubeconfig = storeSettingsOf(configured, { kubeconfig: 'other.yaml' }, '/w');
    expect(byKubeconfig).toMatchObject({ kind: 'kubernetes', kubeconfig: '/w/other.yaml' });
    expect(byKubeconfig).not.toHaveProperty('context');
    expect(byKubeconfig.origins.kind?.source).toBe('--kubeconfig');
    expect(storeSettingsOf(configured, { context: 'mine' }, '/w')).toMatchObject({ kubeconfig: '/kc', context: 'mine' });
  });

  it('--context with an embedded configured store uses the default kubeconfig, as without configuration', () => {
    const settings = storeSettingsOf(entries({ [STORE_KEYS.kubeconfig]: '/backend-kc' }), { context: 'c' }, '/w');
    expect(settings).toEqual({ kind: 'kubernetes', context: 'c', origins: { kind: expect.objectContaining({ source: '--context' }) as unknown, context: expect.objectContaining({ layer: 'flag' }) as unknown } });
  });
});

describe('storeFlagAndEnvEntries', () => {
  it('ranks --store above NEXUS_STORE and resolves NEXUS_KUBECONFIG against the working directory', () => {
    const found = storeFlagAndEnvEntries('embedded', { NEXUS_STORE: 'kubernetes', NEXUS_KUBECONFIG: 'kc', NEXUS_KUBE_CONTEXT: 'x', NEXUS_OTHER: '1' }, '/w');
    expect(found?.get(STORE_KEYS.kind)).toMatchObject({ value: 'embedded', origin: { layer: 'flag', source: '--store' } });
    expect(found?.get(STORE_KEYS.kubeconfig)).toMatchObject({ value: '/w/kc', origin: { layer: 'env', source: 'NEXUS_KUBECONFIG' } });
    expect(found?.get(STORE_KEYS.context)?.value).toBe('x');
    expect(storeFlagAndEnvEntries(undefined, { NEXUS_STORE: 'kubernetes' }, '/w')?.get(STORE_KEYS.kind)?.origin.source).toBe('NEXUS_STORE');
  });

  it('is undefined for a value only the configuration can report, and ignores empty variables', () => {
    expect(storeFlagAndEnvEntries('cluster', {}, '/w')).toBeUndefined();
    expect(storeFlagAndEnvEntries(undefined, { NEXUS_STORE: 'k8s' }, '/w')).toBeUndefined();
    expect(storeFlagAndEnvEntries(undefined, { NEXUS_STORE: '', NEXUS_KUBECONFIG: '' }, '/w')?.size).toBe(0);
  });
});

describe('storeFromFlags', () => {
  it('selects the store from the flags alone', () => {
    expect(storeFromFlags({}, '/w').kind).toBe('embedded');
    expect(storeFromFlags({ store: 'kubernetes' }, '/w')).toMatchObject({ kind: 'kubernetes', origins: { kind: { source: '--store' } } });
    expect(storeFromFlags({ kubeconfig: '/kc' }, '/w')).toMatchObject({ kind: 'kubernetes', kubeconfig: '/kc' });
  });
});
