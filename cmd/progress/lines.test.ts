import { describe, expect, it } from 'vitest';
import type { Condition, KubeObject } from '../../apis/meta.ts';
import { changeLines, conditionLines, finalLine, fitWidth, notReadyReason, renderBlock, type ObjectProgress } from './lines.ts';

const T = '2026-01-01T00:00:00Z';

function ws(generation: number, conditions?: Omit<Condition, 'lastTransitionTime'>[]): KubeObject {
  const obj: KubeObject = { apiVersion: 'nexus.dev/v1alpha1', kind: 'Workspace', metadata: { name: 'demo', generation }, spec: {} };
  if (conditions !== undefined) obj.status = { conditions: conditions.map((c) => ({ ...c, lastTransitionTime: T })) };
  return obj;
}

const container = (status: 'True' | 'False', reason: string, observedGeneration = 2, message = ''): Omit<Condition, 'lastTransitionTime'> => ({
  type: 'ContainerReady',
  status,
  reason,
  message,
  observedGeneration,
});
const ready = (status: 'True' | 'False', reason: string, observedGeneration = 2, message = ''): Omit<Condition, 'lastTransitionTime'> => ({
  type: 'Ready',
  status,
  reason,
  message,
  observedGeneration,
});

describe('conditionLines', () => {
  it('lists the reported conditions in order with Ready last, pending when missing', () => {
    expect(conditionLines(undefined)).toEqual([{ type: 'Ready', mark: 'pending' }]);
    const lines = conditionLines(ws(2, [ready('False', 'Creating'), container('True', 'Running'), { type: 'ServicesReady', status: 'Unknown', reason: 'Waiting', message: 'w', observedGeneration: 2 }]));
    expect(lines.map((l) => [l.type, l.mark, l.status])).toEqual([
      ['ContainerReady', 'done', 'True'],
      ['ServicesReady', 'pending', 'Unknown'],
      ['Ready', 'failed', 'False'],
    ]);
  });

  it('treats conditions observed for an older generation as pending', () => {
    const lines = conditionLines(ws(3, [container('True', 'Paused', 2), ready('True', 'Ready', 2)]));
    expect(lines).toEqual([
      { type: 'ContainerReady', mark: 'pending' },
      { type: 'Ready', mark: 'pending' },
    ]);
  });
});

describe('changeLines', () => {
  it('prints each current condition once per change, never Ready=True, never stale ones', () => {
    const label = 'workspace/demo';
    const first = conditionLines(ws(2, [container('True', 'Paused', 1)]));
    expect(changeLines(label, [], first)).toEqual([]);
    const second = conditionLines(ws(2, [container('False', 'Starting', 2, 'starting container'), ready('False', 'NotReady', 2, 'container starting')]));
    expect(changeLines(label, first, second)).toEqual([
      'workspace/demo: ContainerReady=False (Starting): starting container',
      'workspace/demo: Ready=False (NotReady): container starting',
    ]);
    expect(changeLines(label, second, second)).toEqual([]);
    const third = conditionLines(ws(2, [container('True', 'Running'), ready('True', 'Ready')]));
    expect(changeLines(label, second, third)).toEqual(['workspace/demo: ContainerReady=True (Running)']);
  });
});

describe('final line and reason', () => {
  const progress = (outcome: ObjectProgress['outcome'], object?: KubeObject): ObjectProgress => ({ label: 'workspace/demo', outcome, ...(object ? { object } : {}) });

  it('says Ready with the elapsed time', () => {
    expect(finalLine(progress('ready', ws(2, [ready('True', 'Ready')])), 2430)).toBe('workspace/demo: Ready (2.4s)');
  });

  it('names the first failing condition, else Ready, else what is missing', () => {
    expect(notReadyReason(ws(2, [container('False', 'ImagePullFailed', 2, 'manifest unknown'), ready('False', 'NotReady')]))).toBe(
      'ContainerReady=False (ImagePullFailed): manifest unknown',
    );
    expect(notReadyReason(ws(2, [ready('False', 'BackendUnavailable', 2, 'no docker')]))).toBe('Ready=False (BackendUnavailable): no docker');
    expect(notReadyReason(ws(1))).toMatch(/^no status reported yet \(is a daemon running\?/);
    expect(notReadyReason(ws(3, [ready('True', 'Ready', 2)]))).toBe('status not yet updated for generation 3');
    expect(finalLine(progress('timedOut', ws(2, [ready('False', 'Creating', 2, 'pulling')])), 5000)).toBe(
      'workspace/demo: not Ready after 5.0s: Ready=False (Creating): pulling',
    );
    expect(finalLine(progress('notFound'), 0)).toBe('workspace/demo: not found');
    expect(finalLine(progress('deleted'), 0)).toBe('workspace/demo: deleted while waiting');
  });
});

describe('renderBlock', () => {
  it('draws a header and one marked line per condition, cut to the width', () => {
    const obj = ws(2, [container('True', 'Running'), { type: 'ServicesReady', status: 'False', reason: 'ServicesNotRunning', message: 'not running: db', observedGeneration: 2 }, ready('False', 'NotReady', 1)]);
    expect(renderBlock([{ label: 'workspace/demo', object: obj, outcome: 'waiting' }])).toEqual([
      'workspace/demo',
      '  ✓ ContainerReady  Running',
      '  ✗ ServicesReady   ServicesNotRunning: not running: db',
      '  … Ready',
    ]);
    expect(renderBlock([{ label: 'workspace/demo', object: obj, outcome: 'waiting' }], 20)[2]).toBe('  ✗ ServicesReady  …');
    expect(renderBlock([{ label: 'workspace/x', outcome: 'ready' }])[0]).toBe('workspace/x Ready');
  });

  it('fitWidth leaves short text alone', () => {
    expect(fitWidth('abc', 3)).toBe('abc');
    expect(fitWidth('abcd', 3)).toBe('ab…');
    expect(fitWidth('abcd', undefined)).toBe('abcd');
  });
});
