import { describe, expect, it } from 'vitest';
import { formatChain, formatExplanation } from './explain.ts';
import { flattenValues, mergeLayers } from './merge.ts';
import { REQUESTED_SECRET, type ConfigLayer, type LayerName } from './types.ts';

/** A layer whose every value sits at line 1 + depth of `source` (flags and env: the name as source). */
function layer(name: LayerName, source: string, values: Record<string, unknown>, line?: number): ConfigLayer {
  return { layer: name, source, values, locate: () => (line === undefined ? { source } : { source, line, column: 3 }) };
}

describe('mergeLayers: the design example', () => {
  const layers = [
    layer('node', '/etc/nexus/config.yaml', { workspace: { idle_timeout: '30m' } }, 4),
    layer('user', '~/.nexus/config.yaml', { workspace: { idle_timeout: '1h' } }, 7),
    layer('project', '.nexus/config.yaml', { workspace: { idle_timeout: '2h' } }, 3),
    layer('flag', '--idle-timeout', { workspace: { idle_timeout: '4h' } }),
    layer('env', 'NEXUS_IDLE_TIMEOUT', { workspace: { idle_timeout: '5h' } }),
  ];

  it('idle_timeout node 30m < user 1h < project 2h < flag 4h < env 5h → 5h, set by the env var', () => {
    const config = mergeLayers(layers);
    expect(config.values.workspace?.idle_timeout).toBe('5h');
    const entry = config.entry('workspace.idle_timeout')!;
    expect(entry.origin).toMatchObject({ layer: 'env', source: 'NEXUS_IDLE_TIMEOUT', value: '5h' });
    expect(entry.overridden.map((o) => [o.layer, o.value])).toEqual([
      ['node', '30m'],
      ['user', '1h'],
      ['project', '2h'],
      ['flag', '4h'],
    ]);
    expect(formatChain(entry)).toBe('node 30m < user 1h < project 2h < flag 4h < env 5h → 5h');
  });

  it('config explain names the env var, each overridden layer with its place, and how to override', () => {
    const explanation = mergeLayers(layers).explain('idle_timeout');
    expect(explanation.key).toBe('workspace.idle_timeout');
    expect(formatExplanation(explanation).slice(0, 9)).toEqual([
      'KEY       workspace.idle_timeout',
      'VALUE     5h',
      'SET BY    env NEXUS_IDLE_TIMEOUT',
      'OVERRODE  flag --idle-timeout: 4h',
      '          project .nexus/config.yaml:3:3: 2h',
      '          user ~/.nexus/config.yaml:7:3: 1h',
      '          node /etc/nexus/config.yaml:4:3: 30m',
      'CHAIN     node 30m < user 1h < project 2h < flag 4h < env 5h → 5h',
      'OVERRIDE  --idle-timeout, NEXUS_IDLE_TIMEOUT',
    ]);
    expect(formatExplanation(explanation)[9]).toMatch(/^ABOUT {5}Pause the workspace after this long without activity/);
  });

  it.each([
    [2, 'project', '2h'],
    [3, 'flag', '4h'],
    [1, 'user', '1h'],
  ] as const)('with only the lowest %i + 1 layers the highest present wins (%s %s)', (count, layerName, value) => {
    const config = mergeLayers(layers.slice(0, count + 1));
    const entry = config.entry('workspace.idle_timeout')!;
    expect(entry.origin.layer).toBe(layerName);
    expect(entry.value).toBe(value);
    expect(entry.overridden).toHaveLength(count);
  });
});

describe('mergeLayers: rules', () => {
  const cases: { name: string; layers: ConfigLayer[]; expected: Record<string, unknown>; chains?: Record<string, string> }[] = [
    {
      name: 'maps merge by key',
      layers: [layer('user', 'u', { env: { A: '1', B: '1' } }), layer('project', 'p', { env: { B: '2', C: '2' } })],
      expected: { env: { A: '1', B: '2', C: '2' } },
      chains: { 'env.A': 'user 1 → 1', 'env.B': 'user 1 < project 2 → 2', 'env.C': 'project 2 → 2' },
    },
    {
      name: 'lists replace whole',
      layers: [layer('user', 'u', { sync: { exclude: ['node_modules', '.venv'], mode: 'two-way-safe' } }), layer('project', 'p', { sync: { exclude: ['dist'] } })],
      expected: { sync: { exclude: ['dist'], mode: 'two-way-safe' } },
      chains: { 'sync.exclude': 'user ["node_modules",".venv"] < project ["dist"] → ["dist"]' },
    },
    {
      name: 'port_range replaces as one value',
      layers: [layer('node', 'n', { port_range: { start: 33000, end: 33999 } }), layer('env', 'NEXUS_PORT_RANGE', { port_range: { start: 34000, end: 34099 } })],
      expected: { port_range: { start: 34000, end: 34099 } },
      chains: { port_range: 'node {"start":33000,"end":33999} < env {"start":34000,"end":34099} → {"start":34000,"end":34099}' },
    },
    {
      name: 'workspace.image replaces a lower workspace.build, and the chain says so',
      layers: [layer('project', 'p', { workspace: { build: { dockerfile: 'Dockerfile.dev' }, name: 'api' } }), layer('flag', '--image', { workspace: { image: 'node:24' } })],
      expected: { workspace: { name: 'api', image: 'node:24' } },
      chains: { 'workspace.image': 'project Dockerfile.dev < flag node:24 → node:24' },
    },
    {
      name: 'nested maps of maps (services.db.env) merge by key, scalars of one entry replace',
      layers: [
        layer('project_override', 'u', { services: { db: { image: 'postgres:16', env: { POSTGRES_DB: 'x' } } } }),
        layer('project', 'p', { services: { db: { image: 'postgres:17', env: { POSTGRES_USER: 'y' } } } }),
      ],
      expected: { services: { db: { image: 'postgres:17', env: { POSTGRES_DB: 'x', POSTGRES_USER: 'y' } } } },
    },
    {
      name: 'a secret named by the project takes its source from the user secrets',
      layers: [layer('user', 'u', { user_secrets: { TOKEN: 'keychain:github/me', OTHER: 'env:OTHER' } }), layer('project', 'p', { secrets: { TOKEN: REQUESTED_SECRET } })],
      expected: { user_secrets: { TOKEN: 'keychain:github/me', OTHER: 'env:OTHER' }, secrets: { TOKEN: 'keychain:github/me' } },
    },
    {
      name: 'a secret named without any source defaults to the environment variable of that name',
      layers: [layer('project', 'p', { secrets: { API_KEY: REQUESTED_SECRET } })],
      expected: { secrets: { API_KEY: 'env:API_KEY' } },
    },
    {
      name: 'a project naming a secret keeps the source a lower layer gave it',
      layers: [layer('project_override', 'u', { secrets: { DB: 'file:/run/secrets/db' } }), layer('project', 'p', { secrets: { DB: REQUESTED_SECRET } })],
      expected: { secrets: { DB: 'file:/run/secrets/db' } },
    },
    {
      name: 'empty maps contribute nothing and undefined values are skipped',
      layers: [layer('user', 'u', { env: {}, backend: undefined }), layer('project', 'p', { backend: 'docker' })],
      expected: { backend: 'docker' },
    },
  ];

  it.each(cases)('$name', ({ layers, expected, chains }) => {
    const config = mergeLayers(layers);
    expect(config.values).toEqual(expected);
    for (const [key, chain] of Object.entries(chains ?? {})) expect(formatChain(config.entry(key)!), key).toBe(chain);
  });

  it('records where a listed secret was requested and where its source was defined', () => {
    const config = mergeLayers([
      layer('user', '~/.nexus/config.yaml', { user_secrets: { TOKEN: 'env:GH' } }, 9),
      layer('project', '.nexus/config.yaml', { secrets: { TOKEN: REQUESTED_SECRET } }, 2),
    ]);
    expect(config.entry('secrets.TOKEN')?.origin).toMatchObject({ layer: 'user', line: 9, key: 'secrets.TOKEN', note: 'requested by project .nexus/config.yaml:2:3' });
  });

  it('orders the values tree by the schema, whatever the layer order', () => {
    const config = mergeLayers([layer('node', 'n', { limits: { max_cpu: '8' }, backend: 'docker' }), layer('project', 'p', { sync: { mode: 'bind' }, workspace: { image: 'x' } })]);
    expect(Object.keys(config.values)).toEqual(['workspace', 'backend', 'sync', 'limits']);
  });
});

describe('flattenValues', () => {
  it('stops at scalars, lists and atomic objects', () => {
    expect(flattenValues({ a: { b: 1, c: [1, 2] }, port_range: { start: 1, end: 2 } })).toEqual([
      { path: ['a', 'b'], value: 1 },
      { path: ['a', 'c'], value: [1, 2] },
      { path: ['port_range'], value: { start: 1, end: 2 } },
    ]);
  });
});
