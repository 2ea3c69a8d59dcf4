import { describe, expect, it } from 'vitest';
import { BoulderError } from '../errors.ts';
import { kindByName } from '../kinds.ts';
import { explain, typeLabel, wrapText } from './explain.ts';

const workspace = kindByName('Workspace')!;
const portBinding = kindByName('PortBinding')!;

describe('explain', () => {
  it('documents a kind: header, description and top-level fields', () => {
    const text = explain(workspace);
    expect(text.startsWith('KIND:     Workspace\nVERSION:  nexus.dev/v1alpha1\n\nDESCRIPTION:\n  A developer workspace')).toBe(true);
    expect(text).toContain('\nFIELDS:\n  apiVersion\t<string> -required-\n');
    expect(text).toContain('\n  spec\t<Object> -required-\n    Desired state of the workspace.\n');
    expect(text).toContain('\n  status\t<Object>\n');
    expect(text).not.toContain('FIELD:');
  });

  it('documents an object field with its fields, enums, defaults and map/array types', () => {
    const text = explain(workspace, 'spec');
    expect(text).toContain('FIELD: spec <Object> -required-\n\nDESCRIPTION:\n  Desired state of the workspace.\n\nFIELDS:\n');
    expect(text).toContain('  backend\t<string>\n    enum: docker, sprite, kubernetes, mock\n    default: docker\n    Where the workspace runs:');
    expect(text).toContain('  env\t<map[string]string>\n');
    expect(text).toContain('  ports\t<map[string]Object>\n');
    expect(text).toContain('  secrets\t<[]Object>\n');
  });

  it('documents a leaf field with ENUM and DEFAULT sections and no FIELDS', () => {
    const text = explain(workspace, 'spec.state');
    expect(text).toBe(
      [
        'KIND:     Workspace',
        'VERSION:  nexus.dev/v1alpha1',
        '',
        'FIELD: state <string>',
        '',
        'ENUM: Running, Stopped, Paused',
        'DEFAULT: Running',
        '',
        'DESCRIPTION:',
        '  Lifecycle the workspace should be in: Running, Stopped (container stopped,',
        '  files kept) or Paused (processes frozen, resumes fast).',
        '',
      ].join('\n'),
    );
  });

  it('steps through map values and array items, with or without a map key', () => {
    expect(explain(workspace, 'spec.ports.containerPort')).toContain('FIELD: containerPort <integer> -required-');
    expect(explain(workspace, 'spec.ports.web.containerPort')).toContain('FIELD: containerPort <integer> -required-');
    expect(explain(workspace, 'spec.ports.web')).toContain('  visibility\t<string>\n    enum: private, public, org\n');
    expect(explain(workspace, 'status.conditions.reason')).toContain('Machine-readable CamelCase reason');
    expect(explain(portBinding, 'metadata.ownerReferences')).toContain('  uid\t<string> -required-\n');
  });

  it('lists nested fields without descriptions when recursive', () => {
    const text = explain(workspace, 'spec.services', { recursive: true });
    expect(text).toContain('FIELDS:\n  image\t<string> -required-\n  env\t<map[string]string>\n  ports\t<[]Object>\n    containerPort\t<integer> -required-\n');
    expect(text).not.toContain('Port the service listens on');
  });

  it('throws BadRequest naming the path and the kind for unknown fields', () => {
    for (const path of ['spec.foo', 'spec.backend.x', 'spec..image', 'specs']) {
      let caught: unknown;
      try {
        explain(workspace, path);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(BoulderError);
      expect((caught as BoulderError).code).toBe('BadRequest');
      expect((caught as BoulderError).message).toBe(`field "${path}" does not exist in Workspace`);
    }
  });
});

describe('typeLabel', () => {
  it.each([
    [{ type: 'string' }, 'string'],
    [{ type: 'object', properties: {} }, 'Object'],
    [{ type: 'object', additionalProperties: { type: 'integer' } }, 'map[string]integer'],
    [{ type: 'array', items: { type: 'object', additionalProperties: { type: 'string' } } }, '[]map[string]string'],
  ])('%j → %s', (schema, label) => {
    expect(typeLabel(schema)).toBe(label);
  });
});

describe('wrapText', () => {
  it('wraps at the width without splitting words', () => {
    expect(wrapText('aa bb cc  dd', 5)).toEqual(['aa bb', 'cc dd']);
    expect(wrapText('averyveryverylongword x', 5)).toEqual(['averyveryverylongword', 'x']);
    expect(wrapText('', 5)).toEqual([]);
  });
});
