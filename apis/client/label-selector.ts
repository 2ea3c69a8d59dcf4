/**
 * Kubernetes label selectors: parses `a=b,c!=d,e in (x,y),f notin (z),g,!h` into requirements and
 * matches label sets against them, with the semantics of k8s.io/apimachinery/pkg/labels:
 * `!=` and `notin` also match objects that lack the key; an empty selector matches everything.
 */
import { BoulderError } from '../errors.ts';

/** Operator of one requirement. `exists` is a bare key, `!exists` is `!key`. */
export type LabelOperator = '=' | '!=' | 'in' | 'notin' | 'exists' | '!exists';

/** One comma-separated part of a selector. */
export interface LabelRequirement {
  key: string;
  operator: LabelOperator;
  /** The values compared against; one for `=` and `!=`, none for `exists` and `!exists`. */
  values: string[];
}

/** A label set: what `metadata.labels` holds. */
export type Labels = Readonly<Record<string, string>>;

/** A compiled selector: true when the labels satisfy every requirement. */
export type LabelMatcher = (labels: Labels | undefined) => boolean;

type TokenType = 'identifier' | ',' | '(' | ')' | '=' | '==' | '!=' | '!' | 'in' | 'notin' | 'end';

interface Token {
  type: TokenType;
  text: string;
  /** 1-based character position in the selector. */
  position: number;
}

const SPECIAL = new Set([',', '(', ')', '=', '!', ' ', '\t', '\n', '\r']);
const KEY_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const KEY_PREFIX = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

function tokenize(selector: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < selector.length) {
    const ch = selector.charAt(i);
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') {
      i += 1;
      continue;
    }
    const position = i + 1;
    const two = selector.slice(i, i + 2);
    if (two === '==' || two === '!=') {
      tokens.push({ type: two, text: two, position });
      i += 2;
    } else if (ch === ',' || ch === '(' || ch === ')' || ch === '=' || ch === '!') {
      tokens.push({ type: ch, text: ch, position });
      i += 1;
    } else {
      let end = i;
      while (end < selector.length && !SPECIAL.has(selector.charAt(end))) end += 1;
      const text = selector.slice(i, end);
      const type: TokenType = text === 'in' || text === 'notin' ? text : 'identifier';
      tokens.push({ type, text, position });
      i = end;
    }
  }
  tokens.push({ type: 'end', text: '', position: selector.length + 1 });
  return tokens;
}

/** Recursive-descent parser over the token list; throws BadRequest naming the position. */
class SelectorParser {
  private readonly tokens: Token[];
  private readonly selector: string;
  private index = 0;

  constructor(selector: string) {
    this.selector = selector;
    this.tokens = tokenize(selector);
  }

  parse(): LabelRequirement[] {
    const requirements: LabelRequirement[] = [];
    if (this.peek().type === 'end') return requirements;
    for (;;) {
      requirements.push(this.requirement());
      const next = this.take();
      if (next.type === 'end') return requirements;
      if (next.type !== ',') this.fail(next, `expected ',' or end of selector, found ${describe(next)}`);
    }
  }

  private requirement(): LabelRequirement {
    if (this.peek().type === '!') {
      this.take();
      return { key: this.key(), operator: '!exists', values: [] };
    }
    const key = this.key();
    const op = this.peek();
    switch (op.type) {
      case ',':
      case 'end':
        return { key, operator: 'exists', values: [] };
      case '=':
      case '==':
        this.take();
        return { key, operator: '=', values: [this.singleValue()] };
      case '!=':
        this.take();
        return { key, operator: '!=', values: [this.singleValue()] };
      case 'in':
      case 'notin':
        this.take();
        return { key, operator: op.type, values: this.valueSet() };
      default:
        return this.fail(op, `expected an operator (=, ==, !=, in, notin), ',' or end of selector after key '${key}', found ${describe(op)}`);
    }
  }

  private key(): string {
    const token = this.take();
    if (token.type !== 'identifier') this.fail(token, `expected a label key, found ${describe(token)}`);
    const problem = labelKeyProblem(token.text);
    if (problem !== undefined) this.fail(token, `invalid label key '${token.text}': ${problem}`);
    return token.text;
  }

  private singleValue(): string {
    const token = this.peek();
    if (token.type === ',' || token.type === 'end') return '';
    this.take();
    if (token.type !== 'identifier' && token.type !== 'in' && token.type !== 'notin') {
      this.fail(token, `expected a label value, found ${describe(token)}`);
    }
    return this.checkedValue(token);
  }

  private valueSet(): string[] {
    const open = this.take();
    if (open.type !== '(') this.fail(open, `expected '(' to start the value list, found ${describe(open)}`);
    const values: string[] = [];
    for (;;) {
      const token = this.take();
      if (token.type === ',' || token.type === ')') {
        values.push(''); // An empty slot is the empty value, as in Kubernetes.
        if (token.type === ')') return values;
        continue;
      }
      if (token.type !== 'identifier' && token.type !== 'in' && token.type !== 'notin') {
        this.fail(token, `expected a label value or ')', found ${describe(token)}`);
      }
      values.push(this.checkedValue(token));
      const after = this.take();
      if (after.type === ')') return values;
      if (after.type !== ',') this.fail(after, `expected ',' or ')' in the value list, found ${describe(after)}`);
    }
  }

  private checkedValue(token: Token): string {
    if (!VALUE.test(token.text)) {
      this.fail(
        token,
        `invalid label value '${token.text}': at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit`,
      );
    }
    return token.text;
  }

  private peek(): Token {
    return this.tokens[this.index] ?? this.tokens[this.tokens.length - 1]!;
  }

  private take(): Token {
    const token = this.peek();
    if (this.index < this.tokens.length - 1) this.index += 1;
    return token;
  }

  private fail(token: Token, message: string): never {
    throw new BoulderError('BadRequest', `invalid label selector "${this.selector}": at position ${token.position}: ${message}`);
  }
}

function describe(token: Token): string {
  return token.type === 'end' ? 'end of selector' : `'${token.text}'`;
}

/** Why `key` is not a valid label key (`[prefix/]name`), or undefined when it is valid. */
export function labelKeyProblem(key: string): string | undefined {
  const slash = key.indexOf('/');
  const prefix = slash < 0 ? undefined : key.slice(0, slash);
  const name = slash < 0 ? key : key.slice(slash + 1);
  if (prefix !== undefined && (prefix.length === 0 || prefix.length > 253 || !KEY_PREFIX.test(prefix))) {
    return 'the prefix must be a DNS subdomain (lower-case letters, digits, \'-\' and \'.\', at most 253 characters)';
  }
  if (!KEY_NAME.test(name)) {
    return "the name must be 1-63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit";
  }
  return undefined;
}

/** Parses a selector into its requirements; throws BoulderError('BadRequest') naming the position. */
export function parseLabelSelector(selector: string): LabelRequirement[] {
  return new SelectorParser(selector).parse();
}

/** True when `labels` satisfy one requirement. */
export function matchesRequirement(requirement: LabelRequirement, labels: Labels | undefined): boolean {
  const has = labels !== undefined && Object.hasOwn(labels, requirement.key);
  const value = has ? labels[requirement.key] : undefined;
  switch (requirement.operator) {
    case 'exists':
      return has;
    case '!exists':
      return !has;
    case '=':
    case 'in':
      return has && requirement.values.includes(value ?? '');
    case '!=':
    case 'notin':
      return !has || !requirement.values.includes(value ?? '');
  }
}

/** True when `labels` satisfy every requirement (an empty list matches everything). */
export function matchesLabelRequirements(requirements: readonly LabelRequirement[], labels: Labels | undefined): boolean {
  return requirements.every((r) => matchesRequirement(r, labels));
}

/** Compiles a selector string (undefined or blank matches everything) into a matcher. */
export function compileLabelSelector(selector: string | undefined): LabelMatcher {
  if (selector === undefined || selector.trim() === '') return () => true;
  const requirements = parseLabelSelector(selector);
  return (labels) => matchesLabelRequirements(requirements, labels);
}
