import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configuredControllerSettings, providerCluster } from './controller-settings.ts';

/** A home with a user configuration naming a cluster for kubernetes workspaces. */
function homeWithCluster(): string {
  const home = mkdtempSync(join(tmpdir(), 'boulder-ctrl-settings-'));
  const dir = join(home, '.nexus');
  writeFileSync(join(home, 'team-b.kubeconfig'), '');
  mkdirSync(dir);
  writeFileSync(join(dir, 'config.yaml'), `backends:\n  kubernetes:\n    kubeconfig: ${join(home, 'team-b.kubeconfig')}\n    context: team-b\n`);
  return home;
}

describe('configuredControllerSettings / providerCluster', () => {
  it('takes the cluster of backends.kubernetes; with the embedded store, no ownerReferences', async () => {
    const home = homeWithCluster();
    const settings = await configuredControllerSettings({ cwd: home, env: { NEXUS_USER_CONFIG: join(home, '.nexus', 'config.yaml'), NEXUS_NODE_CONFIG: '' } }, () => undefined);
    expect(settings.kubernetes).toEqual({ kubeconfig: join(home, 'team-b.kubeconfig'), context: 'team-b' });
    expect(providerCluster({ storeKind: 'embedded' }, {}, settings.kubernetes)).toEqual({ kubeconfig: join(home, 'team-b.kubeconfig'), context: 'team-b', ownerReferences: false });
  });

  it('never guesses a cluster when the configuration does not load (an unrelated bad value)', async () => {
    const home = homeWithCluster();
    const warnings: string[] = [];
    const settings = await configuredControllerSettings({ cwd: home, env: { NEXUS_USER_CONFIG: join(home, '.nexus', 'config.yaml'), NEXUS_NODE_CONFIG: '', NEXUS_PORT_RANGE: '33000-3300' } }, (m) => warnings.push(m));
    expect(settings.kubernetes).toBeUndefined();
    expect(settings.error).toContain('the configuration does not load');
    expect(warnings).toHaveLength(1);
    expect(providerCluster({ storeKind: 'embedded' }, {}, settings.kubernetes)).toBeUndefined();
  });

  it('with a Kubernetes store, the store cluster of the flags, with ownerReferences', () => {
    expect(providerCluster({ storeKind: 'kubernetes' }, { kubeconfig: '/k', context: 'c' }, undefined)).toEqual({ kubeconfig: '/k', context: 'c', ownerReferences: true });
  });
});
