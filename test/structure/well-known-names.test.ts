/**
 * Well-known names are defined once (issue 12, item 4): no production file under apis/, cmd/,
 * controllers/, server/ or integrations/ (generated code and apis/names/ itself excepted) spells a
 * label, annotation or finalizer key, the API version, or a distinctive condition type as a string
 * literal; it imports the constant from apis/names/ instead.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { nameLiterals, productionFiles, wellKnownNameLiterals } from './well-known-names.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('well-known names', () => {
  it('finds a name spelled in a string, a template piece or a key, and not in comments or imports', () => {
    const text = [
      "import { WORKSPACE_LABEL } from '../apis/names/index.ts';",
      '/** Reads the `nexus.dev/workspace` label. */',
      "const a = 'nexus.dev/workspace';",
      'const b = `nexus.dev/uid=${uid}`;',
      "const c = { 'app.kubernetes.io/managed-by': 'boulder' };",
      "const d = { type: 'ContainerReady' };",
      "const e = `${GROUP}/${VERSION}`; // nexus.dev/v1alpha1",
      "const f = 'nexus.dev/some-new-key';",
      "const g = { type: 'Ready', reason: 'Bound' };",
    ].join('\n');
    expect(nameLiterals('x.ts', text).map((l) => `${l.line}:${l.text}`)).toEqual([
      '3:nexus.dev/workspace',
      '4:nexus.dev/uid=',
      '5:app.kubernetes.io/managed-by',
      '6:ContainerReady',
      '8:nexus.dev/some-new-key',
    ]);
  });

  it('checks the production folders and skips tests, test helpers, generated code and the constants module', () => {
    const files = productionFiles(ROOT);
    expect(files).toContain('controllers/providers/types.ts');
    expect(files).toContain('cmd/commands/down.ts');
    expect(files).toContain('server/auth/authorize.ts');
    expect(files).toContain('apis/render/workspace.ts');
    expect(files.some((f) => f.startsWith('apis/names/'))).toBe(false);
    expect(files.some((f) => f.startsWith('apis/types/') || f.includes('/generated/'))).toBe(false);
    expect(files.some((f) => f.endsWith('.test.ts'))).toBe(false);
  });

  it('no production file spells a well-known name as a literal (import it from apis/names/)', () => {
    expect(wellKnownNameLiterals(ROOT).map((l) => `${l.file}:${l.line}: '${l.text}'`)).toEqual([]);
  });
});
