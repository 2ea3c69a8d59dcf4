/**
 * User-facing explanations of the regular expressions boulder's schemas use, so that a failed
 * `pattern` reads `"Foo_1" is not a valid name: must be a DNS-1123 label (…)` instead of a regex.
 */
import { DURATION_PATTERN } from '../duration.ts';

/** How to describe values that must match one pattern. */
interface PatternRule {
  /** What a matching value is, after "is not a valid". */
  noun: string;
  /** The rule, after "must be"; `max` is the schema's maxLength when it has one. */
  rule: (max: number | undefined) => string;
}

const DNS_LABEL = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
const DNS_SUBDOMAIN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
const QUALIFIED_NAME =
  '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$';
const CONDITION_TYPE =
  '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$';
const LABEL_VALUE = '^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$';
const ENV_NAME = '^[A-Za-z_][A-Za-z0-9_]*$';
const BRANCH = '^[^\\s~^:?*\\[\\\\]+$';
const CPU = '^([0-9]+(\\.[0-9]+)?|[0-9]+m)$';
const QUANTITY = '^[0-9]+(\\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$';
const DURATION = DURATION_PATTERN;
/** spec.idleTimeout: a duration, or `0` / `never` (off). */
const IDLE_TIMEOUT = DURATION_PATTERN.replace(/\)\$$/, '|0|never)$');
const VOLUME = '^[a-z0-9]([-a-z0-9_.]*[a-z0-9])?:/.*$';
const CAMEL_CASE = '^[A-Z][A-Za-z0-9]*$';
const SECRET_KEY = '^[-._a-zA-Z0-9]+$';

const QUALIFIED_RULE =
  "a qualified name (an optional DNS subdomain and '/', then at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit)";

const rules = new Map<string, PatternRule>([
  [
    DNS_LABEL,
    {
      noun: 'name',
      rule: (max) =>
        `a DNS-1123 label (lowercase letters, digits and '-', starting and ending with a letter or digit, at most ${max ?? 63} characters)`,
    },
  ],
  [
    DNS_SUBDOMAIN,
    {
      noun: 'name',
      rule: (max) =>
        `a DNS-1123 subdomain (lowercase letters, digits, '-' and '.', each part starting and ending with a letter or digit, at most ${max ?? 253} characters)`,
    },
  ],
  [QUALIFIED_NAME, { noun: 'name', rule: () => QUALIFIED_RULE }],
  [CONDITION_TYPE, { noun: 'condition type', rule: () => QUALIFIED_RULE }],
  [
    LABEL_VALUE,
    {
      noun: 'label value',
      rule: () => "empty or at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit",
    },
  ],
  [ENV_NAME, { noun: 'environment variable name', rule: () => "letters, digits and '_', not starting with a digit" }],
  [BRANCH, { noun: 'branch name', rule: () => 'free of spaces and of the characters ~ ^ : ? * [ \\' }],
  [CPU, { noun: 'CPU quantity', rule: () => 'a number of cores (e.g. 2 or 0.5) or of millicores (e.g. 500m)' }],
  [QUANTITY, { noun: 'quantity', rule: () => 'a number with an optional unit, e.g. 512Mi, 4Gi or 20G' }],
  [DURATION, { noun: 'duration', rule: () => 'hours, minutes and seconds such as 45s, 30m, 1h or 2h30m' }],
  [IDLE_TIMEOUT, { noun: 'duration', rule: () => 'hours, minutes and seconds such as 45s, 30m, 1h or 2h30m' }],
  [VOLUME, { noun: 'volume', rule: () => 'of the form name:/absolute/path' }],
  [CAMEL_CASE, { noun: 'reason', rule: () => 'CamelCase, e.g. ContainerStarted' }],
  [SECRET_KEY, { noun: 'key', rule: () => "letters, digits, '-', '_' and '.'" }],
]);

/** True when boulder knows how to explain `pattern` in words. */
export function isKnownPattern(pattern: string): boolean {
  return rules.has(pattern);
}

/**
 * Explains why `value` does not match `pattern`, e.g.
 * `"Foo_1" is not a valid name: must be a DNS-1123 label (…)`. `isKey` says the value is a mapping
 * key (a label key, a port name), which changes the noun for generic names.
 */
export function describePatternMismatch(value: unknown, pattern: string, maxLength: number | undefined, isKey: boolean): string {
  const shown = JSON.stringify(value);
  const known = rules.get(pattern);
  if (known === undefined) return `${shown} does not match the pattern ${pattern}`;
  const noun = isKey && pattern === QUALIFIED_NAME ? 'key' : known.noun;
  return `${shown} is not a valid ${noun}: must be ${known.rule(maxLength)}`;
}
