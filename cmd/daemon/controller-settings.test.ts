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

  it('takes network.unauthenticated_bind_addresses from the node file only, with where it was set', async () => {
    const home = mkdtempSync(join(tmpdir(), 'boulder-ctrl-settings-'));
    const node = join(home, 'node.yaml');
    writeFileSync(node, 'network:\n  unauthenticated_bind_addresses: [192.0.2.2, 0.0.0.0]\n');
    const settings = await configuredControllerSettings({ cwd: home, env: { NEXUS_NODE_CONFIG: node, NEXUS_USER_CONFIG: '' } }, () => undefined);
    expect(settings.exposure?.addresses).toEqual(['192.0.2.2', '0.0.0.0']);
    expect(settings.exposure?.setBy).toMatch(/^node .*node\.yaml:2:35$/);
    const none = await configuredControllerSettings({ cwd: home, env: { NEXUS_NODE_CONFIG: '', NEXUS_USER_CONFIG: '' } }, () => undefined);
    expect(none.exposure).toBeUndefined();
  });

  it('the user file cannot allow an unauthenticated address (its schema has no network key)', async () => {
    const home = mkdtempSync(join(tmpdir(), 'boulder-ctrl-settings-'));
    const user = join(home, 'user.yaml');
    writeFileSync(user, 'network:\n  unauthenticated_bind_addresses: [0.0.0.0]\n');
    const warnings: string[] = [];
    const settings = await configuredControllerSettings({ cwd: home, env: { NEXUS_NODE_CONFIG: '', NEXUS_USER_CONFIG: user } }, (m) => warnings.push(m));
    expect(settings.exposure).toBeUndefined();
    expect(warnings.join('\n')).toContain('network');
  });
});
