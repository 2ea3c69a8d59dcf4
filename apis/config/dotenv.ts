/**
 * Dotenv files (`env_files`): `KEY=VALUE` lines with `#` comments, an optional `export ` prefix,
 * single quotes (literal), double quotes (with \n, \t, \", \\ escapes, may span lines) and unquoted
 * values (trimmed; ` #` starts a comment). No variable interpolation. Later keys win.
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import type { FieldIssue } from '../errors.ts';
import { OutsideRootError } from '../validation/opened-path.ts';

/** The variables of a dotenv text and its problems (file:line:col). */
export interface DotenvResult {
  values: Record<string, string>;
  issues: FieldIssue[];
}

const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\', $: '$' };

/** Parses dotenv `text`; `file` names it in issues. Pure. */
export function parseDotenv(text: string, file: string): DotenvResult {
  const values: Record<string, string> = {};
  const issues: FieldIssue[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const lineNumber = i + 1;
    const raw = lines[i] as string;
    const trimmed = raw.trimStart();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const indent = raw.length - trimmed.length;
    const body = trimmed.startsWith('export ') ? trimmed.slice(7).trimStart() : trimmed;
    const bodyColumn = indent + (trimmed.length - body.length) + 1;
    const eq = body.indexOf('=');
    if (eq < 0) {
      issues.push({ file, line: lineNumber, column: bodyColumn, path: '', message: `expected KEY=VALUE, found ${JSON.stringify(body.trim())}` });
      continue;
    }
    const key = body.slice(0, eq).trim();
    if (!KEY.test(key)) {
      issues.push({ file, line: lineNumber, column: bodyColumn, path: '', message: `${JSON.stringify(key)} is not a valid environment variable name: must be letters, digits and '_', not starting with a digit` });
      continue;
    }
    const afterEq = body.slice(eq + 1);
    const valueText = afterEq.trimStart();
    const valueColumn = bodyColumn + eq + 1 + (afterEq.length - valueText.length);
    const quote = valueText[0];
    if (quote === '"' || quote === "'") {
      const parsed = readQuoted(lines, i, valueText, quote);
      if (parsed === undefined) {
        issues.push({ file, line: lineNumber, column: valueColumn, path: key, message: `unterminated ${quote === '"' ? 'double' : 'single'}-quoted value` });
        break;
      }
      const trailing = parsed.rest.trim();
      if (trailing !== '' && !trailing.startsWith('#')) {
        issues.push({ file, line: parsed.endLine + 1, column: 1, path: key, message: `unexpected text after the closing quote: ${JSON.stringify(trailing)}` });
      }
      values[key] = parsed.value;
      i = parsed.endLine;
    } else {
      values[key] = valueText.replace(/\s+#.*$/, '').trim();
    }
  }
  return { values, issues };
}

/** A quoted value starting at `first` (line `index`), possibly spanning lines; undefined when never closed. */
function readQuoted(lines: readonly string[], index: number, first: string, quote: string): { value: string; rest: string; endLine: number } | undefined {
  let value = '';
  let text = first.slice(1);
  for (let line = index; line < lines.length; line++) {
    if (line > index) {
      value += '\n';
      text = lines[line] as string;
    }
    for (let j = 0; j < text.length; j++) {
      const c = text[j] as string;
      if (c === quote) return { value, rest: text.slice(j + 1), endLine: line };
      if (c === '\\' && quote === '"' && j + 1 < text.length) {
        const next = text[j + 1] as string;
        value += ESCAPES[next] ?? `\\${next}`;
        j++;
      } else {
        value += c;
      }
    }
  }
  return undefined;
}

/**
 * Reads the env_files of a project (relative to `repoRoot`) in order and merges them, later files
 * winning; `shown` turns a path into how messages show it, `read` reads one (default: readFile; a
 * project's files are read confined to the repository, see workspace-env.ts). A missing file is an
 * issue naming it.
 */
export async function loadEnvFiles(
  files: readonly string[],
  repoRoot: string,
  shown: (path: string) => string = (p) => p,
  read: (path: string) => Promise<string> = (p) => readFile(p, 'utf8'),
): Promise<DotenvResult> {
  const values: Record<string, string> = {};
  const issues: FieldIssue[] = [];
  for (const file of files) {
    const path = isAbsolute(file) ? file : resolve(repoRoot, file);
    let text: string;
    try {
      text = await read(path);
    } catch (err) {
      const reason = err instanceof OutsideRootError ? err.message : ((err as NodeJS.ErrnoException).code ?? 'unreadable');
      issues.push({ file: shown(path), path: '', message: `env file cannot be read (${reason})` });
      continue;
    }
    const parsed = parseDotenv(text, shown(path));
    Object.assign(values, parsed.values);
    issues.push(...parsed.issues);
  }
  return { values, issues };
}
