import { describe, expect, it } from 'vitest';
import type { Workspace } from '../../apis/types/index.ts';
import { stepNames } from '../runtime/steps.ts';
import { convergeSteps } from './converge.ts';

function workspace(spec: Partial<Workspace['spec']>): Workspace {
  return { apiVersion: 'nexus.dev/v1alpha1', kind: 'Workspace', metadata: { name: 'w' }, spec: { backend: 'docker', ...spec } } as Workspace;
}

const common = ['admit', 'owner', 'provider', 'worktree', 'secrets', 'observe', 'prepare', 'desired', 'buildContainment', 'portBindings', 'idle'];
const tail = ['woken', 'scripts', 'status'];
/** A new worktree's directory, the remount of a container whose worktree was gone, and the worktree made alongside ensure (worktree-steps.ts). */
const runtime = ['reserveWorktree', 'remount', 'worktreeAdd', 'ensure'];

describe('convergeSteps', () => {
  it('a bind-mounted workspace has no sync step and no hook step', () => {
    expect(stepNames(convergeSteps(workspace({})))).toEqual([...common, ...runtime, ...tail]);
    expect(stepNames(convergeSteps(workspace({ sync: { mode: 'bind' } })))).toEqual([...common, ...runtime, ...tail]);
  });

  it('a file-synced docker workspace fills its volume before ensure; a kubernetes or sprite one syncs into the Pod after it', () => {
    expect(stepNames(convergeSteps(workspace({ sync: { mode: 'two-way-safe' } })))).toEqual([...common, 'volumeSync', ...runtime, ...tail]);
    for (const backend of ['kubernetes', 'sprite'] as const) {
      expect(stepNames(convergeSteps(workspace({ backend, sync: { mode: 'two-way-safe' } })))).toEqual([...common, ...runtime, 'podSync', ...tail]);
    }
    expect(stepNames(convergeSteps(workspace({ backend: 'kubernetes', sync: { mode: 'bind' } })))).toEqual([...common, ...runtime, ...tail]);
  });

  it('declared hooks are steps around ensure: onSleep before it, onWake after the Pod sync', () => {
    const hooks = { onSleep: 'true', onWake: 'true' };
    expect(stepNames(convergeSteps(workspace({ hooks })))).toEqual([...common, 'onSleep', ...runtime, 'onWake', ...tail]);
    expect(stepNames(convergeSteps(workspace({ backend: 'kubernetes', sync: { mode: 'one-way-replica' }, hooks })))).toEqual([...common, 'onSleep', ...runtime, 'podSync', 'onWake', ...tail]);
  });
});
