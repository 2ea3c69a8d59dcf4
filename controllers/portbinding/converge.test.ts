import { describe, expect, it } from 'vitest';
import type { PortBinding } from '../../apis/types/index.ts';
import { FakeClock } from '../runtime/clock.ts';
import type { ReconcileContext } from '../runtime/controller.ts';
import { silentLogger } from '../runtime/logger.ts';
import { stepNames } from '../runtime/steps.ts';
import { createProviderRegistry } from '../providers/registry.ts';
import { bindingSteps } from './converge.ts';
import { KeyedLock } from './forward/keyed-lock.ts';
import { PortForwarding } from './forwarding.ts';
import { bindingScope } from './scope.ts';

function binding(protocol: 'tcp' | 'udp'): PortBinding {
  return { apiVersion: 'nexus.dev/v1alpha1', kind: 'PortBinding', metadata: { name: 'w-web', namespace: 'default' }, spec: { workspace: 'w', containerPort: 8080, protocol } } as PortBinding;
}

const ctx = { clock: new FakeClock(), log: silentLogger(), signal: new AbortController().signal } as unknown as ReconcileContext;
const common = ['exposure', 'workspace', 'provider', 'claim', 'allocate'];

describe('bindingSteps', () => {
  it('forwards with the daemon (a UDP binding checks its channel first) and only reports the port without it', () => {
    const forwarding = new PortForwarding();
    const steps = (protocol: 'tcp' | 'udp', withDaemon: boolean) =>
      stepNames(bindingSteps(bindingScope(binding(protocol), { providers: createProviderRegistry([]), ...(withDaemon ? { forwarding } : {}) }, new KeyedLock(), ctx)));
    expect(steps('tcp', true)).toEqual([...common, 'endpoint', 'forward']);
    expect(steps('udp', true)).toEqual([...common, 'endpoint', 'udpChannel', 'forward']);
    expect(steps('tcp', false)).toEqual([...common, 'report']);
    expect(steps('udp', false)).toEqual([...common, 'report']);
  });
});
