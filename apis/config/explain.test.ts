import { describe, expect, it } from 'vitest';
import { NotFoundError } from '../errors.ts';
import { formatExplanation, resolveKey } from './explain.ts';
import { mergeLayers } from './merge.ts';
import type { ConfigLayer } from './types.ts';

const config = mergeLayers([
  { layer: 'node', source: '/etc/nexus/config.yaml', values: { port_range: { start: 33000, end: 33999 }, backend: 'docker' }, locate: (p) => ({ source: '/etc/nexus/config.yaml', line: 2, column: 3, sourceKey: `defaults.${p.join('.')}` }) },
  { layer: 'project', source: '.nexus/config.yaml', values: { services: { db: { image: 'postgres:17', env: { POSTGRES_DB: 'app' } } }, env: { NODE_ENV: 'development' } } },
] satisfies ConfigLayer[]);

describe('resolveKey', () => {
  it.each([
    ['workspace.idle_timeout', 'workspace.idle_timeout'],
    ['idle_timeout', 'workspace.idle_timeout'],
    ['defaults.idle_timeout', 'workspace.idle_timeout'],
    ['defaults.port_range', 'port_range'],
    ['preferences.default_backend', 'backend'],
    ['NEXUS_IDLE_TIMEOUT', 'workspace.idle_timeout'],
    ['--port-range', 'port_range'],
    ['max_workspaces_total', 'limits.max_workspaces_total'],
    ['POSTGRES_DB', 'services.db.env.POSTGRES_DB'],
    ['services.db', 'services.db'],
    ['secrets', 'secrets'],
  ])('%s → %s', (text, key) => expect(resolveKey(config, text).join('.')).toBe(key));

  it.each([
    ['nope', 'unknown configuration key "nope"; see boulder config view for the keys that are set'],
    ['image', 'configuration key "image" is ambiguous; use one of: services.db.image, workspace.image'],
    ['a..b', '"a..b" is not a configuration key'],
  ])('%s fails', (text, message) => {
    expect(() => resolveKey(config, text)).toThrow(NotFoundError);
    expect(() => resolveKey(config, text)).toThrow(message);
  });
});

describe('formatExplanation', () => {
  it('explains every value under a map key, each with its origin', () => {
    expect(formatExplanation(config.explain('services.db'))).toEqual([
      'KEY       services.db.env.POSTGRES_DB',
      'VALUE     app',
      'SET BY    project .nexus/config.yaml',
      'CHAIN     project app → app',
      '',
      'KEY       services.db.image',
      'VALUE     postgres:17',
      'SET BY    project .nexus/config.yaml',
      'CHAIN     project postgres:17 → postgres:17',
      'ABOUT     One service container.',
    ]);
  });

  it('says when a key is not set, and how it could be', () => {
    const lines = formatExplanation(config.explain('NEXUS_IMAGE'));
    expect(lines.slice(0, 3)).toEqual(['KEY       workspace.image', 'VALUE     (not set)', 'OVERRIDE  --image, NEXUS_IMAGE']);
  });

  it('names the file key of values that file spells differently', () => {
    expect(formatExplanation(config.explain('port_range')).slice(0, 3)).toEqual([
      'KEY       port_range',
      'VALUE     {"start":33000,"end":33999}',
      'SET BY    node /etc/nexus/config.yaml:2:3 (defaults.port_range)',
    ]);
  });
});
