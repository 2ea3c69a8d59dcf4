import { afterAll, describe, expect, it } from 'vitest';
import { KubeConfig } from '@kubernetes/client-node';
import { removeWrittenKubeconfigs, writeKubeconfig } from '../../../test/support/kubeconfig.ts';
import { connectCluster } from './cluster.ts';

afterAll(removeWrittenKubeconfigs);

describe('connectCluster', () => {
  it('loads the kubeconfig with the one loader: same context selection and the same BadRequest messages as the store', () => {
    const path = writeKubeconfig('https://127.0.0.1:6443', { contexts: ['one', 'two'] });
    expect(connectCluster({ kubeconfig: path, context: 'two' }).kubeConfig.getCurrentContext()).toBe('two');
    expect(() => connectCluster({ kubeconfig: path, context: 'three' })).toThrow('context "three" does not exist in the kubeconfig (known: one, two)');
    expect(() => connectCluster({ kubeconfig: '/nonexistent/kubeconfig' })).toThrow('kubeconfig /nonexistent/kubeconfig does not exist');
  });

  it('uses an already loaded configuration as it is', () => {
    const kc = new KubeConfig();
    kc.loadFromFile(writeKubeconfig('https://127.0.0.1:6443'));
    expect(connectCluster({ kubeConfig: kc }).kubeConfig).toBe(kc);
  });
});
