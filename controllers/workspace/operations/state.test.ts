import { describe, expect, it } from 'vitest';
import type { Workspace } from '../../../apis/types/index.ts';
import { withState } from './state.ts';

const base: Workspace = { apiVersion: 'nexus.dev/v1alpha1', kind: 'Workspace', metadata: { name: 'a', annotations: { keep: 'me' } }, spec: { image: 'x', state: 'Running' } };

describe('withState', () => {
  it('returns undefined when state and annotations are already set', () => {
    expect(withState(base, 'Running')).toBeUndefined();
    expect(withState(base, undefined, { keep: 'me' })).toBeUndefined();
  });

  it('sets the state and merges annotations without touching the input', () => {
    const next = withState(base, 'Paused', { 'nexus.dev/switch-requested-at': 't' });
    expect(next?.spec.state).toBe('Paused');
    expect(next?.metadata.annotations).toEqual({ keep: 'me', 'nexus.dev/switch-requested-at': 't' });
    expect(base.spec.state).toBe('Running');
    expect(base.metadata.annotations).toEqual({ keep: 'me' });
    expect(withState(base, undefined, { x: 'y' })?.spec).toBe(base.spec);
  });
});
