import { describe, expect, it } from 'vitest';
import { envLayer } from './env-layer.ts';
import { ENV_MAPPINGS, envMappingHelp } from './env-mappings.ts';
import { mergeLayers } from './merge.ts';
import { schemaAt, effectiveSchema } from './effective-schema.ts';
import { parseKey } from './key-path.ts';

describe('NEXUS_* variables', () => {
  it.each([
    ['NEXUS_BACKEND', 'kubernetes', 'backend', 'kubernetes'],
    ['NEXUS_IDLE_TIMEOUT', '5h', 'workspace.idle_timeout', '5h'],
    ['NEXUS_IMAGE', 'node:24', 'workspace.image', 'node:24'],
    ['NEXUS_WORKSPACE_NAME', 'api', 'workspace.name', 'api'],
    ['NEXUS_PORT_RANGE', '33000-33999', 'port_range', { start: 33000, end: 33999 }],
    ['NEXUS_STATE_DIR', 'state', 'daemon.state_dir', '/work/state'],
    ['NEXUS_LOG_LEVEL', 'debug', 'daemon.log_level', 'debug'],
    ['NEXUS_CPU', '4', 'resources.cpu', '4'],
    ['NEXUS_MEMORY', '8Gi', 'resources.memory', '8Gi'],
    ['NEXUS_RESOURCE_CLASS', 'large', 'resources.class', 'large'],
    ['NEXUS_SYNC_MODE', 'two-way-safe', 'sync.mode', 'two-way-safe'],
    ['NEXUS_DOCKER_HOST', 'tcp://h:2375', 'backends.docker.host', 'tcp://h:2375'],
    ['NEXUS_KUBECONFIG', '/k/config', 'backends.kubernetes.kubeconfig', '/k/config'],
    ['NEXUS_KUBE_CONTEXT', 'kind', 'backends.kubernetes.context', 'kind'],
    ['NEXUS_KUBE_NAMESPACE', 'ws', 'backends.kubernetes.namespace', 'ws'],
    ['NEXUS_SPRITE_ORG', 'acme', 'backends.sprite.org', 'acme'],
    ['NEXUS_SPRITE_TOKEN', 'tok-123', 'backends.sprite.api_key', 'env:NEXUS_SPRITE_TOKEN'],
    ['NEXUS_EDITOR', 'vim', 'preferences.editor', 'vim'],
    ['NEXUS_OUTPUT', 'wide', 'preferences.output', 'wide'],
  ])('%s=%s sets %s', (variable, text, key, value) => {
    const { layer, issues, unknown } = envLayer({ [variable]: text }, '/work');
    expect(issues).toEqual([]);
    expect(unknown).toEqual([]);
    const entry = mergeLayers([layer]).entry(key);
    expect(entry?.value).toEqual(value);
    expect(entry?.origin).toMatchObject({ layer: 'env', source: variable });
  });

  it('covers every variable of the table, and each maps to a key of the effective schema', () => {
    for (const mapping of ENV_MAPPINGS) expect(schemaAt(effectiveSchema(), parseKey(mapping.key)!), mapping.key).toBeDefined();
    expect(envMappingHelp()).toHaveLength(ENV_MAPPINGS.length);
    expect(envMappingHelp()[0]).toMatch(/^ {2}NEXUS_BACKEND +backend {2}\(e\.g\. docker\)$/);
  });

  it('never records the value of NEXUS_SPRITE_TOKEN, only where it is', () => {
    const { layer } = envLayer({ NEXUS_SPRITE_TOKEN: 'super-secret' }, '/');
    expect(JSON.stringify(mergeLayers([layer]).entries)).not.toContain('super-secret');
  });

  it('names unknown NEXUS_* variables (sorted), ignores empty ones and other variables', () => {
    const { unknown, layer } = envLayer({ NEXUS_ZED: '1', NEXUS_BACKEN: 'docker', NEXUS_BACKEND: '', NEXUS_NODE_CONFIG: '/x', HOME: '/h' }, '/');
    expect(unknown).toEqual(['NEXUS_BACKEN', 'NEXUS_ZED']);
    expect(layer.values).toEqual({});
  });

  it('reports each bad value on its variable and keeps the good ones', () => {
    const { issues, layer } = envLayer({ NEXUS_PORT_RANGE: '32000-x', NEXUS_IDLE_TIMEOUT: '5 hours', NEXUS_LOG_LEVEL: 'loud', NEXUS_BACKEND: 'sprite', NEXUS_KUBE_NAMESPACE: 'Bad_NS' }, '/');
    expect(issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
      'NEXUS_IDLE_TIMEOUT: "5 hours" is not a valid duration: must be hours, minutes and seconds such as 45s, 30m, 1h or 2h30m',
      'NEXUS_PORT_RANGE: "32000-x" is not a port range: must be START-END, e.g. 33000-33999',
      'NEXUS_LOG_LEVEL: must be one of: trace, debug, info, warn, error, fatal, silent',
      'NEXUS_KUBE_NAMESPACE: "Bad_NS" is not a valid name: must be a DNS-1123 label (lowercase letters, digits and \'-\', starting and ending with a letter or digit, at most 63 characters)',
    ]);
    expect(layer.values).toEqual({ backend: 'sprite' });
  });
});
