/**
 * JSON with comments, as devcontainer.json is written: `//` and `/* *\/` comments and trailing
 * commas are allowed. Parsed by `jsonc-parser` (the parser of VS Code and the Dev Containers CLI)
 * with its `visit` API; the value is built here so that it is exactly what JSON.parse would give
 * (a `__proto__` key is an own property, never the object's prototype) and so that nesting is
 * bounded (the library recurses once per level). The first error is reported as file:line:col with
 * a sentence for its code; later ones are mostly the parser's recovery and are left out.
 */
import { printParseErrorCode, visit, type JSONVisitor, type ParseErrorCode, type ParseOptions } from 'jsonc-parser';
import { ValidationError, type FieldIssue } from '../errors.ts';

/** How devcontainer.json is parsed: comments and trailing commas allowed, as by the Dev Containers CLI. */
const PARSE_OPTIONS: ParseOptions = { allowTrailingComma: true, disallowComments: false };

/** The deepest nesting of objects and lists accepted (far beyond any real devcontainer.json). */
export const MAX_JSONC_DEPTH = 256;

/** The name of a ParseErrorCode, as jsonc-parser prints it. */
type ParseErrorName = ReturnType<typeof printParseErrorCode>;

/** One sentence per error code of jsonc-parser. */
const ERROR_SENTENCES: Record<ParseErrorName, string> = {
  InvalidSymbol: 'Unexpected token (strings take double quotes; values are numbers, true, false, null, objects and lists)',
  InvalidNumberFormat: 'Invalid number',
  PropertyNameExpected: 'Expected a property name in double quotes',
  ValueExpected: 'Expected a value',
  ColonExpected: "Expected ':' after property name",
  CommaExpected: "Expected ',' or '}' after property value",
  CloseBraceExpected: "Expected '}' to close the object",
  CloseBracketExpected: "Expected ']' to close the list",
  EndOfFileExpected: 'Unexpected content after the end of the document (a file holds one JSON value)',
  InvalidCommentToken: 'Invalid comment',
  UnexpectedEndOfComment: "Unterminated comment: a block comment needs its closing '*/'",
  UnexpectedEndOfString: 'Unterminated string: a string ends with a double quote on the same line',
  UnexpectedEndOfNumber: 'Incomplete number',
  InvalidUnicode: 'Invalid \\u escape: four hexadecimal digits expected',
  InvalidEscapeCharacter: 'Invalid escape sequence in a string',
  InvalidCharacter: 'Invalid character in a string: control characters must be escaped',
  '<unknown ParseErrorCode>': 'Syntax error',
};

/** Sentences that differ inside a list. */
const IN_LIST_SENTENCES: Partial<Record<ParseErrorName, string>> = {
  CommaExpected: "Expected ',' or ']' after list element",
};

/** Thrown from a visitor callback to stop the parser at a nesting deeper than MAX_JSONC_DEPTH. */
class TooDeep {
  readonly line: number;
  readonly column: number;
  constructor(line: number, column: number) {
    this.line = line;
    this.column = column;
  }
}

/** The sentence for `code`, with the offending text for an unexpected token. */
function sentence(code: ParseErrorCode, inList: boolean, found: string): string {
  const name = printParseErrorCode(code);
  const text = (inList ? IN_LIST_SENTENCES[name] : undefined) ?? ERROR_SENTENCES[name];
  return name === 'InvalidSymbol' ? text.replace('Unexpected token', `Unexpected token ${JSON.stringify(found.slice(0, 20))}`) : text;
}

/**
 * Parses JSONC text (a leading byte-order mark is skipped). Throws a ValidationError naming
 * `file:line:col` and what is wrong, for the first syntax error or a nesting deeper than MAX_JSONC_DEPTH.
 */
export function parseJsonc(text: string, file: string): unknown {
  const source = text.replace(/^\uFEFF/, '');
  const builder = new ValueBuilder();
  let issue: FieldIssue | undefined;
  const visitor: JSONVisitor = {
    ...builder.visitor(),
    onError: (code, offset, length, line, character) => {
      issue ??= { file, path: '', message: `not valid JSON (with comments): ${sentence(code, builder.inList(), source.slice(offset, offset + length))}`, line: line + 1, column: character + 1 };
    },
  };
  try {
    visit(source, visitor, PARSE_OPTIONS);
  } catch (err) {
    if (!(err instanceof TooDeep)) throw err;
    issue ??= { file, path: '', message: `not valid JSON (with comments): nested deeper than ${MAX_JSONC_DEPTH} levels`, line: err.line, column: err.column };
  }
  if (issue !== undefined) throw new ValidationError([issue]);
  return builder.value;
}

/** Builds the parsed value from the visitor's callbacks, as JSON.parse would. */
class ValueBuilder {
  /** The open objects and lists, innermost last; the bottom is a holder of the top-level value. */
  readonly #open: (Record<string, unknown> | unknown[])[] = [[]];
  #key: string | undefined;

  /** The top-level value (undefined before one was seen). */
  get value(): unknown {
    return (this.#open[0] as unknown[])[0];
  }

  /** True when the innermost open container is a list. */
  inList(): boolean {
    return this.#open.length > 1 && Array.isArray(this.#open.at(-1));
  }

  /** The visitor callbacks that build the value. */
  visitor(): JSONVisitor {
    const begin = (container: Record<string, unknown> | unknown[], line: number, character: number): void => {
      if (this.#open.length > MAX_JSONC_DEPTH) throw new TooDeep(line + 1, character + 1);
      this.#add(container);
      this.#open.push(container);
    };
    return {
      onObjectBegin: (_offset, _length, line, character) => begin({}, line, character),
      onArrayBegin: (_offset, _length, line, character) => begin([], line, character),
      onObjectEnd: () => void this.#open.pop(),
      onArrayEnd: () => void this.#open.pop(),
      onObjectProperty: (name) => {
        this.#key = name;
      },
      onLiteralValue: (value: unknown) => this.#add(value),
    };
  }

  /** Adds `value` to the innermost container: appended to a list, or set as the pending key's own property. */
  #add(value: unknown): void {
    const parent = this.#open.at(-1) as Record<string, unknown> | unknown[];
    if (Array.isArray(parent)) parent.push(value);
    else if (this.#key !== undefined) Object.defineProperty(parent, this.#key, { value, writable: true, enumerable: true, configurable: true });
    this.#key = undefined;
  }
}
