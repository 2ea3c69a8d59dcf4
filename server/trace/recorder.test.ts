import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SafeRoot } from '../methods/files/safe-fs.ts';
import { loadOrCreateKeys } from '../auth/key-file.ts';
import { RevocationList } from '../auth/token-records.ts';
import { mintToken, verifyToken } from '../auth/tokens.ts';
import { recordValidator } from './record.ts';
import { TraceRecorder, tracedContent, TRACES_FILE } from './recorder.ts';
import { worktreeHead } from './git-head.ts';

const dir = mkdtempSync(join(tmpdir(), 'boulder-trace-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const actor = { contributor: { type: 'ai' as const, modelId: 'openai/gpt-4o', conversationUrl: 'https://example.com/c/1' }, tokenId: 't1', workspace: 'default/ws' };

function worktree(name: string): string {
  const root = join(dir, name);
  mkdirSync(root, { recursive: true });
  return root;
}

describe('TraceRecorder', () => {
  it('appends a valid record with the changed ranges, and keeps the traces out of git add', () => {
    const root = SafeRoot.open(worktree('a'));
    try {
      const recorder = new TraceRecorder();
      recorder.write(root, actor, 'f.txt', tracedContent(Buffer.from('a\nb\nc\n')), tracedContent(Buffer.from('a\nX\nY\nc\n')));
      recorder.write(root, actor, 'bin.dat', tracedContent(undefined), tracedContent(Buffer.from([1, 0, 10, 2])));
      expect(recorder.recorded).toBe(2);
      const lines = readFileSync(join(root.realRoot, TRACES_FILE), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { files: Array<{ conversations: Array<{ ranges: unknown[] }> }> });
      expect(lines[0]?.files[0]?.conversations[0]?.ranges).toEqual([{ start_line: 2, end_line: 3, content_hash: expect.stringMatching(/^sha256:[0-9a-f]{16}$/) }]);
      expect(lines[1]?.files[0]?.conversations[0]?.ranges).toEqual([{ start_line: 1, end_line: 1 }]);
      for (const record of lines) expect(recordValidator()(record)).toEqual([]);
      expect(readFileSync(join(root.realRoot, '.agent-trace', '.gitignore'), 'utf8')).toContain('*');
    } finally {
      root.close();
    }
  });

  it('a record that cannot be written is counted and logged, never thrown (a symlinked .agent-trace is refused)', () => {
    const path = worktree('b');
    mkdirSync(join(dir, 'elsewhere'));
    symlinkSync(join(dir, 'elsewhere'), join(path, '.agent-trace'));
    const root = SafeRoot.open(path);
    const warnings: unknown[] = [];
    try {
      const recorder = new TraceRecorder({ warn: (o: unknown) => warnings.push(o) } as never);
      expect(() => recorder.write(root, actor, 'f.txt', tracedContent(undefined), tracedContent(Buffer.from('x\n')))).not.toThrow();
      expect(recorder.failures).toBe(1);
      expect(warnings).toHaveLength(1);
      expect(() => readFileSync(join(dir, 'elsewhere', 'traces.jsonl'))).toThrow();
    } finally {
      root.close();
    }
  });

  it('a read-only .agent-trace fails the record, not the caller', () => {
    const path = worktree('c');
    mkdirSync(join(path, '.agent-trace'));
    chmodSync(join(path, '.agent-trace'), 0o500);
    const root = SafeRoot.open(path);
    try {
      const recorder = new TraceRecorder();
      recorder.exec(root, actor, ['echo', 'hi']);
      // root may bypass the mode: either way nothing throws and the counters add up.
      expect(recorder.recorded + recorder.failures).toBe(1);
    } finally {
      root.close();
    }
  });

  it('reads HEAD of a clone and of a linked worktree without git, and nothing that is not a commit id', () => {
    const clone = worktree('clone');
    mkdirSync(join(clone, '.git', 'refs', 'heads'), { recursive: true });
    writeFileSync(join(clone, '.git', 'HEAD'), 'ref: refs/heads/main\n');
    expect(worktreeHead(clone)).toBeUndefined();
    writeFileSync(join(clone, '.git', 'packed-refs'), `# pack-refs\n${'a'.repeat(40)} refs/heads/main\n`);
    expect(worktreeHead(clone)).toBe('a'.repeat(40));
    writeFileSync(join(clone, '.git', 'refs', 'heads', 'main'), `${'b'.repeat(40)}\n`);
    expect(worktreeHead(clone)).toBe('b'.repeat(40));
    const linked = worktree('linked');
    mkdirSync(join(clone, '.git', 'worktrees', 'l'), { recursive: true });
    writeFileSync(join(clone, '.git', 'worktrees', 'l', 'HEAD'), 'ref: refs/heads/main\n');
    writeFileSync(join(clone, '.git', 'worktrees', 'l', 'commondir'), '../..\n');
    writeFileSync(join(linked, '.git'), `gitdir: ${join(clone, '.git', 'worktrees', 'l')}\n`);
    expect(worktreeHead(linked)).toBe('b'.repeat(40));
    writeFileSync(join(clone, '.git', 'HEAD'), 'not a ref\n');
    expect(worktreeHead(clone)).toBeUndefined();
  });
});

describe('contributor claims', () => {
  it('a token carries its contributor into the principal; a malformed claim is refused', async () => {
    const keys = await loadOrCreateKeys(dir);
    const contributor = { type: 'ai' as const, modelId: 'anthropic/claude-opus-4-5', conversationUrl: 'https://example.com/c', tool: { name: 'agent', version: '1.0.0' } };
    const { token, record } = await mintToken(keys, { name: 'a', subject: 'me', scopes: ['fs:write'], workspaces: '*', ttlMs: 60_000, contributor });
    expect(record.contributor).toEqual(contributor);
    expect((await verifyToken(token, keys, new RevocationList(dir))).principal.contributor).toEqual(contributor);
    const bad = await mintToken(keys, { name: 'b', subject: 'me', scopes: ['fs:write'], workspaces: '*', ttlMs: 60_000, contributor: { type: 'robot' } as never });
    await expect(verifyToken(bad.token, keys, new RevocationList(dir))).rejects.toMatchObject({ data: { reason: 'claims' } });
  });
});
