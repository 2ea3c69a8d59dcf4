import { describe, expect, it } from 'vitest';
import type { Condition, KubeObject } from '../../apis/meta.ts';
import { TextBuffer } from '../test-support.ts';
import type { ObjectProgress } from './lines.ts';
import { LiveProgressView, PlainProgressView, createProgressView, eraseLines } from './view.ts';

function snapshot(conditions: [string, 'True' | 'False', string][], outcome: ObjectProgress['outcome'] = 'waiting'): ObjectProgress[] {
  const object: KubeObject = {
    apiVersion: 'nexus.dev/v1alpha1',
    kind: 'Workspace',
    metadata: { name: 'demo', generation: 1 },
    status: {
      conditions: conditions.map(([type, status, reason]): Condition => ({ type, status, reason, message: '', observedGeneration: 1, lastTransitionTime: '2026-01-01T00:00:00Z' })),
    },
  };
  return [{ label: 'workspace/demo', object, outcome }];
}

const steps = [
  snapshot([]),
  snapshot([['ContainerReady', 'False', 'Creating'], ['Ready', 'False', 'NotReady']]),
  snapshot([['ContainerReady', 'False', 'Creating'], ['Ready', 'False', 'NotReady']]),
  snapshot([['ContainerReady', 'True', 'Running'], ['Ready', 'False', 'NotReady']]),
];
const done = snapshot([['ContainerReady', 'True', 'Running'], ['Ready', 'True', 'Ready']], 'ready');

class TtyBuffer extends TextBuffer {
  isTTY = true;
  columns = 80;
}

describe('PlainProgressView', () => {
  it('prints one line per condition change, then the final line', () => {
    const out = new TextBuffer();
    const view = new PlainProgressView(out);
    for (const step of steps) view.update(step);
    view.finish(done, 1234);
    expect(out.text).toBe(
      [
        'workspace/demo: ContainerReady=False (Creating)',
        'workspace/demo: Ready=False (NotReady)',
        'workspace/demo: ContainerReady=True (Running)',
        'workspace/demo: Ready (1.2s)',
        '',
      ].join('\n'),
    );
  });

  it('prints the current conditions of an object already Ready when first seen, then the final line', () => {
    const out = new TextBuffer();
    const view = new PlainProgressView(out);
    view.update(done);
    view.finish(done, 0);
    expect(out.text).toBe('workspace/demo: ContainerReady=True (Running)\nworkspace/demo: Ready (0.0s)\n');
  });
});

describe('LiveProgressView', () => {
  it('redraws the block in place on each change and skips identical frames', () => {
    const out = new TtyBuffer();
    const view = new LiveProgressView(out);
    const writes: string[] = [];
    const write = out.write.bind(out);
    out.write = (chunk: string): boolean => {
      writes.push(chunk);
      return write(chunk);
    };
    for (const step of steps) view.update(step);
    view.finish(done, 2000);
    expect(writes).toEqual([
      'workspace/demo\n  … Ready\n',
      `${eraseLines(2)}workspace/demo\n  ✗ ContainerReady  Creating\n  ✗ Ready           NotReady\n`,
      `${eraseLines(3)}workspace/demo\n  ✓ ContainerReady  Running\n  ✗ Ready           NotReady\n`,
      `${eraseLines(3)}workspace/demo Ready\n  ✓ ContainerReady  Running\n  ✓ Ready           Ready\n`,
      'workspace/demo: Ready (2.0s)\n',
    ]);
    expect(eraseLines(3)).toBe('\x1b[3A\r\x1b[J');
  });

  it('is chosen for terminals only', () => {
    expect(createProgressView(new TtyBuffer())).toBeInstanceOf(LiveProgressView);
    expect(createProgressView(new TextBuffer())).toBeInstanceOf(PlainProgressView);
  });
});
