import { describe, expect, it } from 'vitest';
import { ReconcileTracker } from './reconcile-tracker.ts';

const line = (fields: Record<string, unknown>): string => `${JSON.stringify({ level: 30, msg: 'reconciled', ...fields })}\n`;

describe('ReconcileTracker', () => {
  it('keeps the last outcome per key and reports the failing ones', () => {
    const forwarded: string[] = [];
    const tracker = new ReconcileTracker((l) => forwarded.push(l));
    tracker.write(line({ kind: 'Workspace', key: 'default/a', outcome: 'error', error: 'boom' }));
    tracker.write(line({ kind: 'Workspace', key: 'default/a', outcome: 'done' }));
    tracker.write(line({ kind: 'Workspace', key: 'default/b', outcome: 'terminal', error: 'bad spec' }));
    tracker.write(`${JSON.stringify({ msg: 'manager started' })}\n`);
    tracker.write('not json\n');
    expect(tracker.reconciles()).toBe(3);
    expect(tracker.keys()).toBe(2);
    expect(tracker.failing()).toEqual([{ kind: 'Workspace', key: 'default/b', outcome: 'terminal', error: 'bad spec' }]);
    expect(forwarded).toHaveLength(5);
  });
});
