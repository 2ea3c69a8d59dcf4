// admitObject: what the stores run on every write.
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors.ts';
import type { KubeObject } from '../meta.ts';
import { admitObject } from './admit.ts';

const apiVersion = 'nexus.dev/v1alpha1';

describe('admitObject', () => {
  it('returns the defaulted object without touching its argument', () => {
    const input: KubeObject = { apiVersion, kind: 'Workspace', metadata: { name: 'api' }, spec: { repository: { path: '/src' } } };
    const before = structuredClone(input);
    const admitted = admitObject(input);
    expect(input).toEqual(before);
    expect(admitted.metadata.namespace).toBe('default');
    expect(admitted.spec).toMatchObject({ backend: 'docker', repository: { path: '/src', branch: 'nexus/api', baseRef: 'HEAD' } });
  });

  it('throws one ValidationError listing every problem', () => {
    const input = { apiVersion, kind: 'PortBinding', metadata: { name: 'Bad' }, spec: { containerPort: 70000, protocol: 'sctp' } } as KubeObject;
    let error: unknown;
    try {
      admitObject(input);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ValidationError);
    const validation = error as ValidationError;
    expect(validation.code).toBe('Invalid');
    expect(validation.status).toBe(422);
    expect(validation.issues.map((i) => i.path)).toEqual(['metadata.name', 'spec.workspace', 'spec.containerPort', 'spec.protocol']);
    expect(validation.message.split('\n')[2]).toBe('spec.containerPort: must be <= 65535');
  });

  it('does not let a default hide a missing required field', () => {
    expect(() => admitObject({ apiVersion, kind: 'SyncSession', metadata: { name: 's' }, spec: { alpha: '/a' } })).toThrow(
      'spec.beta: is required',
    );
  });
});
