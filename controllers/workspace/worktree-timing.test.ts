import { describe, expect, it } from 'vitest';
import type { Workspace } from '../../apis/types/index.ts';
import type { UnixOwner } from '../multi-user/index.ts';
import { worktreeTiming, type WorktreeTimingFacts } from './worktree-timing.ts';

function workspace(spec: Partial<Workspace['spec']>): Workspace {
  return { apiVersion: 'nexus.dev/v1alpha1', kind: 'Workspace', metadata: { name: 'w' }, spec: { backend: 'docker', image: 'debian:bookworm', repository: { path: '/src/app' }, ...spec } } as Workspace;
}

const owner: UnixOwner = { user: 'alice', uid: 1001, gid: 1001, home: '/home/alice', groups: [1001] };
const fresh: WorktreeTimingFacts = { worktreeExists: false, runtimeExists: false };

describe('worktreeTiming: a new worktree is made alongside ensure only when nothing before ensure needs its files', () => {
  it.each<[string, Partial<Workspace['spec']>, WorktreeTimingFacts, ReturnType<typeof worktreeTiming>]>([
    ['a new docker workspace with a named image and a missing worktree', {}, fresh, { when: 'alongside' }],
    ['the same in sync mode bind, stated', { sync: { mode: 'bind' } }, fresh, { when: 'alongside' }],
    ['the mock backend (it models docker)', { backend: 'mock' }, fresh, { when: 'alongside' }],
    ['no repository: no worktree at all', { repository: undefined }, fresh, { when: 'first', reason: 'noRepository' }],
    ['an image built from the worktree (its build context)', { image: undefined, build: { context: '.' } }, fresh, { when: 'first', reason: 'build' }],
    ['an empty image name with a build', { image: '', build: { context: '.' } }, fresh, { when: 'first', reason: 'build' }],
    ['a multi-user owner (git runs as that user)', {}, { ...fresh, owner }, { when: 'first', reason: 'owner' }],
    ['files synced into a volume (the sync needs them before the container starts)', { sync: { mode: 'two-way-safe' } }, fresh, { when: 'first', reason: 'notBindMounted' }],
    ['a kubernetes Pod', { backend: 'kubernetes' }, fresh, { when: 'first', reason: 'notBindMounted' }],
    ['a sprite', { backend: 'sprite' }, fresh, { when: 'first', reason: 'notBindMounted' }],
    ['an existing worktree (confirmed before, cheaply)', {}, { ...fresh, worktreeExists: true }, { when: 'first', reason: 'worktreeExists' }],
    ['a runtime that exists already (its container keeps what it mounted at start)', {}, { ...fresh, runtimeExists: true }, { when: 'first', reason: 'runtimeExists' }],
    ['a built image and an owner: the spec reason first', { image: undefined, build: { context: '.' } }, { ...fresh, owner, worktreeExists: true }, { when: 'first', reason: 'build' }],
  ])('%s', (_what, spec, facts, expected) => {
    expect(worktreeTiming(workspace(spec), facts)).toEqual(expected);
  });
});
