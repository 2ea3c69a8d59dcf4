/**
 * Finds well-known names (apis/names/) spelled as string literals in production code, so a new
 * label, annotation, finalizer or condition type cannot be written as a literal again.
 * - Any literal holding `nexus.dev/` (a key in boulder's prefix, or the API version) is a finding:
 *   such a key belongs in apis/names/metadata.ts, and the API version is `API_VERSION`.
 * - Any literal equal to another metadata key (`app.kubernetes.io/managed-by`, …), or to a condition
 *   type or reason distinctive enough not to be an ordinary word of the code (`WorktreeReady`,
 *   `PortInUse`; not `Ready` or `Paused`, which are also phases and states) is a finding.
 * Comments are not code: only string and template literals (each template piece) count.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import * as conditions from '../../apis/names/conditions.ts';
import * as metadata from '../../apis/names/metadata.ts';
import * as reasons from '../../apis/names/reasons.ts';
import { listSourceFiles } from './import-graph.ts';

/** Folders of production code that must use the constants. */
export const PRODUCTION_FOLDERS = ['apis/', 'cmd/', 'controllers/', 'server/', 'integrations/'];

/** Files that may spell the names: the constants themselves, and generated code (from schemas/). */
const EXEMPT = [/^apis\/names\//, /^apis\/types\//, /\/generated\//];
/** Test code kept beside production code (excluded from the build by name, see tsconfig.build.json). */
const TEST_CODE = [/\.test\.ts$/, /\/testing\.ts$/, /\/test-repos\.ts$/, /\/test-support\.ts$/];

/** Condition types and reasons that are ordinary words elsewhere too (phases, states, error codes). */
const COMMON_WORDS = new Set(['Ready', 'Idle', 'Bound', 'Conflict', 'Paused', 'Done', 'Failed', 'Succeeded', 'Standby', 'Unsupported', 'Syncing', 'Synced', 'Loopback', 'Unauthenticated']);

/** One literal spelling a well-known name. */
export interface NameLiteral {
  file: string;
  line: number;
  text: string;
}

/** True when `text` (one literal) spells a well-known name. */
export function spellsWellKnownName(text: string): boolean {
  if (text.includes('nexus.dev/')) return true;
  if (metadataKeys.has(text)) return true;
  return conditionTypes.has(text);
}

const metadataKeys = new Set<string>(Object.values(metadata).filter((v) => v.includes('/')));
const conditionTypes = new Set<string>([...Object.values(conditions), ...Object.values(reasons)].filter((v) => !COMMON_WORDS.has(v)));

/** The literals of one source text that spell a well-known name. */
export function nameLiterals(file: string, text: string): NameLiteral[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ESNext, true, ts.ScriptKind.TS);
  const found: NameLiteral[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) return;
    const pieces = literalPieces(node);
    for (const piece of pieces) {
      if (spellsWellKnownName(piece)) found.push({ file, line: source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1, text: piece });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function literalPieces(node: ts.Node): string[] {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return [node.text];
  if (ts.isTemplateHead(node) || ts.isTemplateMiddle(node) || ts.isTemplateTail(node)) return [node.text];
  return [];
}

/** The production files under `root` that must use the constants. */
export function productionFiles(root: string): string[] {
  return listSourceFiles(root).filter(
    (file) => PRODUCTION_FOLDERS.some((folder) => file.startsWith(folder)) && !EXEMPT.some((re) => re.test(file)) && !TEST_CODE.some((re) => re.test(file)),
  );
}

/** Every literal in production code under `root` that spells a well-known name. */
export function wellKnownNameLiterals(root: string): NameLiteral[] {
  return productionFiles(root).flatMap((file) => nameLiterals(file, readFileSync(join(root, file), 'utf8')));
}
