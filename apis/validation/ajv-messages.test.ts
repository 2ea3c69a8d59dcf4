// translateAjvErrors on small ad-hoc schemas: the keywords boulder's schemas do not use yet
// (oneOf/anyOf, if/then, dependencies…) still produce one clear issue per problem.
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { describeTypes, translateAjvErrors } from './ajv-messages.ts';
import { formatFieldPath } from './field-path.ts';

const ajv = new Ajv({ allErrors: true, verbose: true, strict: false });

function issues(schema: object, data: unknown): string[] {
  const validate = ajv.compile(schema);
  if (validate(data)) return [];
  return translateAjvErrors(validate.errors ?? [], data).map((i) => `${formatFieldPath(i.path)}: ${i.message}`);
}

const resources = {
  type: 'object',
  properties: {
    size: {
      oneOf: [
        { type: 'string', enum: ['small', 'large'] },
        { type: 'object', additionalProperties: false, required: ['cpu'], properties: { cpu: { type: 'integer' } } },
      ],
    },
  },
};

describe('translateAjvErrors', () => {
  it('reports the errors of the oneOf branch whose type fits the value', () => {
    expect(issues(resources, { size: 'medium' })).toEqual(['size: must be one of: small, large']);
    expect(issues(resources, { size: { cpu: 'two', gpu: 1 } })).toEqual(['size.gpu: unknown field "gpu"', 'size.cpu: must be an integer']);
  });

  it('names every accepted type when no branch fits', () => {
    expect(issues(resources, { size: 3 })).toEqual(['size: must be a string or an object']);
  });

  it('says so when a value matches several oneOf branches', () => {
    const schema = { oneOf: [{ type: 'integer' }, { type: 'number', minimum: 0 }] };
    expect(issues(schema, 5)).toEqual([': must match exactly one of the allowed forms, but matches several']);
  });

  it('picks the anyOf branch with the fewest errors', () => {
    const schema = {
      anyOf: [
        { type: 'object', required: ['a', 'b', 'c'] },
        { type: 'object', required: ['x'] },
      ],
    };
    expect(issues(schema, {})).toEqual(['x: is required']);
  });

  it('keeps the errors of then and drops the if wrapper', () => {
    const schema = {
      type: 'object',
      if: { properties: { mode: { const: 'sync' } }, required: ['mode'] },
      then: { required: ['target'] },
    };
    expect(issues(schema, { mode: 'sync' })).toEqual(['target: is required']);
  });

  it('explains dependencies, formats, lengths, items and properties counts', () => {
    const schema = {
      type: 'object',
      dependencies: { hostPort: ['hostIP'] },
      properties: {
        when: { type: 'string', format: 'date-time' },
        code: { type: 'string', minLength: 1 },
        tag: { type: 'string', maxLength: 3 },
        list: { type: 'array', minItems: 2, uniqueItems: true },
        map: { type: 'object', minProperties: 1 },
        weird: { type: 'string', pattern: '^x+$' },
        ratio: { type: 'number', exclusiveMaximum: 1, multipleOf: 0.5 },
      },
    };
    ajv.addFormat('date-time', /^\d{4}-\d\d-\d\dT/);
    expect(issues(schema, { hostPort: 1, when: 'now', code: '', tag: 'abcd', list: [1], map: {}, weird: 'y', ratio: 1.2 })).toEqual([
      'hostIP: is required when hostPort is set',
      'when: "now" is not a valid date-time: must be RFC 3339, e.g. 2025-01-31T12:00:00Z',
      'code: must not be empty',
      'tag: must be at most 3 characters',
      'list: must have at least 2 items',
      'map: must have at least 1 entry',
      'weird: "y" does not match the pattern ^x+$',
      'ratio: must be < 1',
      'ratio: must be a multiple of 0.5',
    ]);
    expect(issues(schema, { list: [1, 1] })).toEqual(['list: must not contain duplicates (items 0 and 1 are equal)']);
  });
});

describe('describeTypes', () => {
  it.each([
    ['string', 'a string'],
    ['integer', 'an integer'],
    ['object', 'an object'],
    [['string', 'integer', 'null'], 'a string, an integer or null'],
  ])('%j → %s', (type, expected) => {
    expect(describeTypes(type)).toBe(expected);
  });
});
