/**
 * Parses manifest text (YAML or JSON, one or more documents) into plain objects that remember
 * where each of their fields came from, so validation errors can name file:line:column.
 */
import { LineCounter, parseAllDocuments } from 'yaml';
import type { Document } from 'yaml';
import type { FieldIssue } from '../errors.ts';
import { formatFieldPath } from './field-path.ts';
import type { PathSegment } from './field-path.ts';
import { findDuplicateKeys, findUnresolvedAlias, isEmptyDocument, offsetAtPath } from './yaml-nodes.ts';

/** A 1-based line and column in a source file. */
export interface SourcePosition {
  line: number;
  column: number;
}

/** One non-empty document of a manifest file. */
export interface ParsedDocument {
  /** The file as the user named it (`-` style names such as `<stdin>` included). */
  file: string;
  /** 0-based index of the document in the file, counting empty documents too. */
  documentIndex: number;
  /** The document as plain JavaScript values. */
  object: unknown;
  /** Problems found while parsing: YAML syntax errors and duplicate keys. */
  issues: FieldIssue[];
  /** True when the document has a YAML syntax error, so `object` is not what the user meant. */
  hasSyntaxError: boolean;
  /**
   * Where the value at `path` starts (or its key, with `preferKey`). When the path leaves the
   * document, the deepest node on the way; undefined only for a document without contents.
   */
  locate(path: readonly PathSegment[], preferKey?: boolean): SourcePosition | undefined;
}

/**
 * Parses every document of `text`. Empty documents (only comments, or nothing between `---`
 * separators) are skipped but keep their place in the numbering. Syntax errors (the first of each
 * document) and duplicate keys become issues on the document; parsing itself never throws.
 */
export function parseManifestText(text: string, file: string): ParsedDocument[] {
  const lineCounter = new LineCounter();
  const documents = parseAllDocuments(text, { lineCounter, uniqueKeys: false, prettyErrors: false, logLevel: 'error' });
  const position = (offset: number | undefined): SourcePosition | undefined => {
    if (offset === undefined) return undefined;
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const parsed: ParsedDocument[] = [];
  documents.forEach((doc, documentIndex) => {
    const syntaxErrors = doc.errors;
    if (syntaxErrors.length === 0 && isEmptyDocument(doc)) return;
    const issues: FieldIssue[] = [];
    const firstError = syntaxErrors[0];
    if (firstError !== undefined) {
      const at = position(firstError.pos[0]);
      issues.push({ path: '', message: `invalid YAML: ${describeYamlError(firstError.message)}`, file, documentIndex, ...at });
    }
    for (const duplicate of findDuplicateKeys(doc)) {
      const first = position(duplicate.firstOffset);
      issues.push({
        path: formatFieldPath(duplicate.path),
        message: `duplicate key; first defined at line ${first?.line ?? '?'}`,
        file,
        documentIndex,
        ...position(duplicate.offset),
      });
    }
    const converted = toPlainObject(doc);
    if ('error' in converted && firstError === undefined) {
      issues.push({ path: '', message: `invalid YAML: ${describeYamlError(converted.error)}`, file, documentIndex, ...position(findUnresolvedAlias(doc) ?? doc.range[0]) });
    }
    parsed.push({
      file,
      documentIndex,
      object: 'value' in converted ? converted.value : undefined,
      issues,
      hasSyntaxError: syntaxErrors.length > 0 || 'error' in converted,
      locate: (path, preferKey = false) => position(offsetAtPath(doc, path, preferKey)),
    });
  });
  return parsed;
}

/** The document as plain values, or why it cannot be converted (e.g. an alias to a missing anchor). */
function toPlainObject(doc: Document): { value: unknown } | { error: string } {
  try {
    return { value: doc.toJS({ maxAliasCount: 1000 }) as unknown };
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
}

/** The yaml library's message without its trailing source excerpt, starting lower-case. */
function describeYamlError(message: string): string {
  // A document nested thousands of levels deep exhausts the parser's stack; say what it means.
  if (/maximum call stack size exceeded/i.test(message)) return 'the document is nested too deeply';
  const firstLine = message.split('\n', 1)[0] ?? message;
  const bare = firstLine.replace(/ at line \d+, column \d+:?$/, '').trim();
  return bare.charAt(0).toLowerCase() + bare.slice(1);
}
