import { describe, expect, it } from 'vitest';
import type { Workspace } from '../../apis/types/index.ts';
import { TerminalError } from '../runtime/errors.ts';
import { desiredRuntime, resourceLimits } from './desired.ts';
import { parseCpu, parseMemory } from '../../apis/resources/quantity.ts';

function workspace(spec: Workspace['spec']): Workspace {
  return {
    apiVersion: 'nexus.dev/v1alpha1',
    kind: 'Workspace',
    metadata: { name: 'feature-x', namespace: 'team', uid: 'u-1', generation: 1 },
    spec,
  };
}

describe('quantities', () => {
  it.each([
    ['2', 2],
    ['0.5', 0.5],
    ['500m', 0.5],
    ['1500m', 1.5],
    ['abc', undefined],
    ['0', undefined],
    ['-1', undefined],
  ])('parseCpu(%s) = %s', (text, cores) => {
    expect(parseCpu(text)).toBe(cores);
  });

  it.each([
    ['512Mi', 512 * 2 ** 20],
    ['4Gi', 4 * 2 ** 30],
    ['1G', 1e9],
    ['1024', 1024],
    ['1.5Gi', 1.5 * 2 ** 30],
    ['4GB', undefined],
    ['', undefined],
  ])('parseMemory(%s) = %s', (text, bytes) => {
    expect(parseMemory(text)).toBe(bytes);
  });
});

describe('desiredRuntime', () => {
  it('is a pure function of the spec with the nexus.dev labels', () => {
    const ws = workspace({
      backend: 'mock',
      image: 'debian:bookworm',
      env: { A: '1' },
      ports: { web: { containerPort: 3000 }, api: { containerPort: 8080 } },
      services: { db: { image: 'postgres:16', ports: [{ containerPort: 5432 }] } },
    });
    const desired = desiredRuntime(ws);
    expect(desired).toEqual(desiredRuntime(structuredClone(ws)));
    expect(desired.labels).toEqual({
      'nexus.dev/workspace': 'feature-x',
      'nexus.dev/namespace': 'team',
      'nexus.dev/uid': 'u-1',
      'app.kubernetes.io/managed-by': 'boulder',
    });
    expect(desired.state).toBe('Running');
    expect(desired.containerPorts).toEqual([3000, 8080]);
    expect(desired.services).toEqual([
      { name: 'db', image: 'postgres:16', env: {}, command: [], containerPorts: [5432], volumes: [] },
    ]);
  });

  it('refuses a spec without image as a terminal InvalidSpec', () => {
    expect(() => desiredRuntime(workspace({ backend: 'mock' }))).toThrow(TerminalError);
    try {
      desiredRuntime(workspace({ backend: 'mock' }));
    } catch (err) {
      expect((err as TerminalError).reason).toBe('InvalidSpec');
      expect((err as TerminalError).message).toBe('spec.image or spec.build is required');
    }
  });
});

describe('worktree mounts', () => {
  it('mounts the worktree at /workspace and its host path, and the common git dir at its own path', () => {
    const desired = desiredRuntime(workspace({ image: 'img' }), {
      secretEnv: { TOKEN: 't' },
      worktree: { path: '/repo/.nexus/worktrees/feature-x', commonGitDir: '/repo/.git' },
    });
    expect(desired.mounts).toEqual([
      { source: '/repo/.nexus/worktrees/feature-x', target: '/workspace' },
      { source: '/repo/.nexus/worktrees/feature-x', target: '/repo/.nexus/worktrees/feature-x' },
      { source: '/repo/.git', target: '/repo/.git' },
    ]);
    expect(desired.workdir).toBe('/workspace');
    expect(desired.secretEnv).toEqual({ TOKEN: 't' });
  });

  it('resolves a build context inside the worktree', () => {
    const desired = desiredRuntime(workspace({ build: { context: 'docker', dockerfile: 'Dockerfile.dev' } }), {
      secretEnv: {},
      worktree: { path: '/repo/.nexus/worktrees/feature-x', commonGitDir: '/repo/.git' },
    });
    expect(desired.imageSource).toEqual({ kind: 'build', context: '/repo/.nexus/worktrees/feature-x/docker', dockerfile: 'Dockerfile.dev', args: {} });
  });
});

describe('resourceLimits', () => {
  it.each([
    [undefined, {}],
    [{ class: 'small' as const }, { cpus: 1, memoryBytes: 2 * 2 ** 30 }],
    [{ class: 'large' as const }, { cpus: 4, memoryBytes: 8 * 2 ** 30 }],
    [{ class: 'medium' as const, cpu: '500m' }, { cpus: 0.5, memoryBytes: 4 * 2 ** 30 }],
    [{ memory: '512Mi' }, { memoryBytes: 512 * 2 ** 20 }],
  ])('%j → %j', (resources, limits) => {
    expect(resourceLimits(resources)).toEqual(limits);
  });

  it('names the field of a bad quantity', () => {
    expect(() => resourceLimits({ cpu: 'lots' })).toThrow('spec.resources.cpu: "lots" is not a CPU quantity');
  });
});
