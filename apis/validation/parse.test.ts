// parseManifestText: documents and their numbering, source positions, YAML problems as issues.
import { describe, expect, it } from 'vitest';
import { parseManifestText } from './parse.ts';

describe('parseManifestText', () => {
  it('skips empty documents but keeps their index', () => {
    const text = '# header\n---\na: 1\n---\n# only a comment\n---\n---\nb: 2\n---\n';
    const docs = parseManifestText(text, 'm.yaml');
    expect(docs.map((d) => [d.documentIndex, d.object])).toEqual([
      [0, { a: 1 }],
      [3, { b: 2 }],
    ]);
    expect(docs.every((d) => d.file === 'm.yaml' && d.issues.length === 0 && !d.hasSyntaxError)).toBe(true);
  });

  it('returns no documents for empty text or comments only', () => {
    expect(parseManifestText('', 'e.yaml')).toEqual([]);
    expect(parseManifestText('# just this\n\n', 'e.yaml')).toEqual([]);
  });

  it('locates values, keys, list items and falls back to the deepest existing node', () => {
    const text = ['kind: Workspace', 'spec:', '  ports:', '    web:', '      containerPort: "80"', '  secrets:', '    - name: A', '      fromEnv: B', '  empty:'].join('\n');
    const [doc] = parseManifestText(text, 'w.yaml');
    expect(doc?.locate(['kind'])).toEqual({ line: 1, column: 7 });
    expect(doc?.locate(['kind'], true)).toEqual({ line: 1, column: 1 });
    expect(doc?.locate(['spec', 'ports', 'web', 'containerPort'])).toEqual({ line: 5, column: 22 });
    expect(doc?.locate(['spec', 'ports', 'web', 'containerPort'], true)).toEqual({ line: 5, column: 7 });
    expect(doc?.locate(['spec', 'ports', 'web'])).toEqual({ line: 5, column: 7 });
    expect(doc?.locate(['spec', 'secrets', 0, 'fromEnv'])).toEqual({ line: 8, column: 16 });
    expect(doc?.locate(['spec', 'secrets', 0])).toEqual({ line: 7, column: 7 });
    expect(doc?.locate(['spec', 'secrets', 5, 'name'])).toEqual({ line: 7, column: 5 });
    expect(doc?.locate(['spec', 'nope', 'deeper'])).toEqual({ line: 3, column: 3 });
    expect(doc?.locate(['spec', 'empty'])).toEqual({ line: 9, column: 3 });
    expect(doc?.locate([])).toEqual({ line: 1, column: 1 });
  });

  it('counts lines from the start of the file in later documents', () => {
    const [, second] = parseManifestText('a: 1\n---\nb:\n  c: true\n', 'm.yaml');
    expect(second?.documentIndex).toBe(1);
    expect(second?.locate(['b', 'c'])).toEqual({ line: 4, column: 6 });
  });

  it('reports a duplicate key at its second occurrence, and the last value wins', () => {
    const [doc] = parseManifestText('spec:\n  backend: docker\n  backend: mock\n', 'd.yaml');
    expect(doc?.object).toEqual({ spec: { backend: 'mock' } });
    expect(doc?.hasSyntaxError).toBe(false);
    expect(doc?.issues).toEqual([
      { path: 'spec.backend', message: 'duplicate key; first defined at line 2', file: 'd.yaml', documentIndex: 0, line: 3, column: 3 },
    ]);
    expect(doc?.locate(['spec', 'backend'])).toEqual({ line: 3, column: 12 });
  });

  it('reports only the first syntax error of a document, without the source excerpt', () => {
    const docs = parseManifestText('ok: 1\n---\na: [1, 2\nb: 3\n---\nc: 3\n', 's.yaml');
    expect(docs.map((d) => [d.documentIndex, d.hasSyntaxError])).toEqual([
      [0, false],
      [1, true],
      [2, false],
    ]);
    expect(docs[1]?.issues).toEqual([
      {
        path: '',
        message: 'invalid YAML: flow sequence in block collection must be sufficiently indented and end with a ]',
        file: 's.yaml',
        documentIndex: 1,
        line: 4,
        column: 1,
      },
    ]);
  });

  it('reports an alias without anchor at the alias', () => {
    const [doc] = parseManifestText('a: 1\nb: *missing\n', 'x.yaml');
    expect(doc?.hasSyntaxError).toBe(true);
    expect(doc?.issues.map((i) => [i.line, i.column, i.message])).toEqual([
      [2, 4, 'invalid YAML: unresolved alias (the anchor must be set before the alias): missing'],
    ]);
  });

  it('parses JSON, keeping positions', () => {
    const [doc] = parseManifestText('{\n  "kind": "Workspace",\n  "spec": {"image": 3}\n}\n', 'w.json');
    expect(doc?.object).toEqual({ kind: 'Workspace', spec: { image: 3 } });
    expect(doc?.locate(['spec', 'image'])).toEqual({ line: 3, column: 21 });
  });

  it('keeps YAML 1.2 scalars: yes is a string, timestamps stay strings', () => {
    const [doc] = parseManifestText('a: yes\nb: 2025-01-31T12:00:00Z\nc: 010\n', 'y.yaml');
    expect(doc?.object).toEqual({ a: 'yes', b: '2025-01-31T12:00:00Z', c: 10 });
  });

  it('a document nested thousands of levels deep is an issue that says so, not a crash', () => {
    const depth = 5000;
    const [doc] = parseManifestText(`spec:\n  env: ${'['.repeat(depth)}${']'.repeat(depth)}\n`, 'deep.yaml');
    expect(doc?.hasSyntaxError).toBe(true);
    expect(doc?.issues.map((i) => i.message)).toEqual(['invalid YAML: the document is nested too deeply']);
  });

  it('a mapping used as a key becomes a string key the schema rejects, with no process warning on stderr', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(w.message);
    process.on('warning', onWarning);
    try {
      const [doc] = parseManifestText('env:\n  ? {a: 1}\n  : x\n', 'keys.yaml');
      expect(doc?.object).toEqual({ env: { '{ a: 1 }': 'x' } });
      await new Promise((resolve) => setImmediate(resolve)); // process warnings are emitted on the next tick
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings).toEqual([]);
  });
});

