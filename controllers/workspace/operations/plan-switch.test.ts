import { describe, expect, it } from 'vitest';
import type { Workspace } from '../../../apis/types/index.ts';
import { planSwitch, repositoryKey } from './plan-switch.ts';

function ws(name: string, repo: string | undefined, state: 'Running' | 'Paused' | 'Stopped' = 'Running', deleting = false): Workspace {
  const w: Workspace = { apiVersion: 'nexus.dev/v1alpha1', kind: 'Workspace', metadata: { name }, spec: { image: 'x', state } };
  if (repo !== undefined) w.spec.repository = { path: repo };
  if (deleting) w.metadata.deletionTimestamp = '2026-01-01T00:00:00Z';
  return w;
}

describe('planSwitch', () => {
  const all = [
    ws('a', '/src/app'),
    ws('b', '/src/app/'),
    ws('c', '/src/app', 'Paused'),
    ws('d', '/src/app', 'Stopped'),
    ws('e', '/src/other'),
    ws('f', undefined),
    ws('g', '/src/app', 'Running', true),
  ];

  it.each([
    ['pauses the other Running workspaces of the same repository', 'a', undefined, ['b']],
    ['compares normalised paths (trailing slash)', 'b', undefined, ['a']],
    ['adds the recorded current workspace even from another repository', 'a', 'e', ['b', 'e']],
    ['ignores a current workspace that is already Paused or Stopped', 'a', 'd', ['b']],
    ['ignores a current name that does not exist', 'a', 'zz', ['b']],
    ['never pauses the target itself', 'a', 'a', ['b']],
    ['leaves other repositories alone', 'e', undefined, []],
    ['pauses nothing for a target without a repository', 'f', 'a', []],
  ])('%s', (_title, target, current, expected) => {
    const t = all.find((w) => w.metadata.name === target) as Workspace;
    expect(planSwitch(t, all, current).pause).toEqual(expected);
  });

  it('works when the target is not in the list', () => {
    expect(planSwitch(ws('new', '/src/app'), all, undefined).pause).toEqual(['a', 'b']);
  });

  it('repositoryKey resolves and strips trailing slashes', () => {
    expect(repositoryKey(ws('x', '/src/app//'))).toBe('/src/app');
    expect(repositoryKey(ws('x', '/'))).toBe('/');
    expect(repositoryKey(ws('x', undefined))).toBeUndefined();
  });
});
