/**
 * JSON with comments, as devcontainer.json is written: `//` and `/* *\/` comments and trailing
 * commas are allowed. They are blanked out (keeping every other character where it was, so error
 * positions stay right) and the rest is parsed with JSON.parse.
 */
import { ValidationError } from '../errors.ts';

/**
 * `text` with comments and trailing commas replaced by spaces (newlines kept), outside strings.
 * An unterminated block comment is blanked to the end.
 */
export function blankJsoncExtras(text: string): string {
  const out = text.split('');
  let i = 0;
  const blank = (from: number, to: number): void => {
    for (let j = from; j < to; j++) if (out[j] !== '\n' && out[j] !== '\r') out[j] = ' ';
  };
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      i++;
      while (i < text.length && text[i] !== '"' && text[i] !== '\n') i += text[i] === '\\' ? 2 : 1;
      i++;
    } else if (c === '/' && text[i + 1] === '/') {
      const end = text.indexOf('\n', i);
      const stop = end < 0 ? text.length : end;
      blank(i, stop);
      i = stop;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end < 0 ? text.length : end + 2;
      blank(i, stop);
      i = stop;
    } else if (c === ',') {
      // A trailing comma: only whitespace and comments (already blanked or still ahead) before } or ].
      let j = i + 1;
      for (;;) {
        while (j < text.length && /\s/.test(text[j] as string)) j++;
        if (text[j] === '/' && text[j + 1] === '/') {
          const end = text.indexOf('\n', j);
          j = end < 0 ? text.length : end;
        } else if (text[j] === '/' && text[j + 1] === '*') {
          const end = text.indexOf('*/', j + 2);
          j = end < 0 ? text.length : end + 2;
        } else break;
      }
      if (text[j] === '}' || text[j] === ']') out[i] = ' ';
      i++;
    } else {
      i++;
    }
  }
  return out.join('');
}

/** 1-based line and column of a 0-based offset. */
export function positionAt(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

/** Offset of the first character outside strings that cannot be JSON (a bad literal, a quote `'`), or undefined. */
function firstInvalidOffset(text: string): number | undefined {
  const token = /"(?:[^"\\\n]|\\.)*"|true|false|null|-?[0-9][0-9.eE+-]*|[{}[\],:\s]+/y;
  let i = 0;
  while (i < text.length) {
    token.lastIndex = i;
    if (token.exec(text) === null) return i;
    i = token.lastIndex;
  }
  return undefined;
}

/**
 * Parses JSONC text. Throws a ValidationError naming `file:line:col` and JSON.parse's reason for
 * a syntax error.
 */
export function parseJsonc(text: string, file: string): unknown {
  const blanked = blankJsoncExtras(text.replace(/^\uFEFF/, ''));
  try {
    return JSON.parse(blanked) as unknown;
  } catch (err) {
    const message = (err as Error).message;
    const at = /at position (\d+)/.exec(message);
    const offset = at === null ? (firstInvalidOffset(blanked) ?? blanked.trimEnd().length) : Number(at[1]);
    const reason = message.replace(/\s*in JSON at position \d+.*$/s, '').replace(/, ".*" is not valid JSON$/s, '');
    throw new ValidationError([{ file, path: '', message: `not valid JSON (with comments): ${reason}`, ...positionAt(blanked, offset) }]);
  }
}
