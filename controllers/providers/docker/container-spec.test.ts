import { describe, expect, it } from 'vitest';
import { runtimeLabels, type DesiredRuntime, type DesiredService } from '../types.ts';
import { KEEP_ALIVE_COMMAND, parseServiceVolume, serviceContainerSpec, workspaceContainerSpec } from './container-spec.ts';
import { CONFIG_HASH_KEY, IMAGE_DIGEST_LABEL, ROLE_LABEL, SERVICE_LABEL } from '../../../apis/names/index.ts';

const target = { namespace: 'default', name: 'api', uid: '3f2a9c1e-0000-0000-0000-000000000000' };
const desired: DesiredRuntime = {
  target,
  labels: runtimeLabels(target),
  image: 'img:1',
  imageSource: { kind: 'image', ref: 'img:1' },
  env: { B: '2', A: '1' },
  secretEnv: { TOKEN: 's3cret' },
  state: 'Running',
  cpus: 1.5,
  memoryBytes: 512 * 1024 * 1024,
  containerPorts: [8080],
  services: [],
  mounts: [
    { source: '/repo/.nexus/worktrees/api', target: '/workspace' },
    { source: '/repo/.git', target: '/repo/.git', readOnly: true },
  ],
  workdir: '/workspace',
};

describe('workspaceContainerSpec', () => {
  const spec = workspaceContainerSpec(desired, { name: 'nexus-default-api', networkName: 'net', aliases: ['api'], imageRef: 'img:1', imageDigest: 'sha256:d', configHash: 'h' });

  it('maps the desired runtime to create options', () => {
    expect(spec).toMatchObject({
      name: 'nexus-default-api',
      Image: 'img:1',
      Hostname: 'api',
      Entrypoint: KEEP_ALIVE_COMMAND,
      Cmd: [],
      Env: ['A=1', 'B=2', 'TOKEN=s3cret'],
      WorkingDir: '/workspace',
      ExposedPorts: { '8080/tcp': {} },
      HostConfig: {
        NetworkMode: 'net',
        NanoCpus: 1_500_000_000,
        Memory: 512 * 1024 * 1024,
        RestartPolicy: { Name: 'no' },
        Mounts: [
          { Type: 'bind', Source: '/repo/.nexus/worktrees/api', Target: '/workspace', ReadOnly: false },
          { Type: 'bind', Source: '/repo/.git', Target: '/repo/.git', ReadOnly: true },
        ],
      },
      NetworkingConfig: { EndpointsConfig: { net: { Aliases: ['api'] } } },
    });
    expect(spec.HostConfig?.PortBindings).toBeUndefined();
  });

  it('labels with the workspace labels, role, hash and digest, and never a secret', () => {
    expect(spec.Labels).toEqual({ ...desired.labels, [ROLE_LABEL]: 'workspace', [CONFIG_HASH_KEY]: 'h', [IMAGE_DIGEST_LABEL]: 'sha256:d' });
    expect(JSON.stringify(spec.Labels)).not.toContain('s3cret');
  });

  it('leaves limits unset when the spec has none', () => {
    const plain = workspaceContainerSpec({ ...desired, cpus: undefined, memoryBytes: undefined }, { name: 'n', networkName: 'net', aliases: ['api'], imageRef: 'img:1', configHash: 'h' });
    expect(plain.HostConfig?.NanoCpus).toBeUndefined();
    expect(plain.HostConfig?.Memory).toBeUndefined();
  });
});

describe('serviceContainerSpec', () => {
  const service: DesiredService = { name: 'db', image: 'pg:16', env: { P: '1' }, command: ['postgres'], containerPorts: [5432], volumes: ['pgdata:/var/lib/postgresql/data', '/host/init:/init:ro'] };
  const spec = serviceContainerSpec(desired, service, { name: 'nexus-default-api-db', networkName: 'net', configHash: 'sh' });

  it('runs the service image on the network under its service name', () => {
    expect(spec).toMatchObject({
      Image: 'pg:16',
      Cmd: ['postgres'],
      Env: ['P=1'],
      Hostname: 'db',
      ExposedPorts: { '5432/tcp': {} },
      NetworkingConfig: { EndpointsConfig: { net: { Aliases: ['db'] } } },
      Labels: { ...desired.labels, [ROLE_LABEL]: 'service', [SERVICE_LABEL]: 'db', [CONFIG_HASH_KEY]: 'sh' },
    });
    expect(spec.Entrypoint).toBeUndefined();
  });

  it('mounts named volumes as workspace-scoped labelled volumes and host paths as binds', () => {
    const [named, bind] = spec.HostConfig?.Mounts ?? [];
    expect(named).toMatchObject({ Type: 'volume', Source: 'nexus-3f2a9c1e-pgdata', Target: '/var/lib/postgresql/data', ReadOnly: false });
    expect(named?.VolumeOptions?.Labels).toMatchObject({ ...desired.labels, [ROLE_LABEL]: 'volume', [SERVICE_LABEL]: 'db' });
    expect(bind).toEqual({ Type: 'bind', Source: '/host/init', Target: '/init', ReadOnly: true });
  });

  it('keeps the image command when none is given', () => {
    expect(serviceContainerSpec(desired, { ...service, command: [] }, { name: 'n', networkName: 'net', configHash: 'h' }).Cmd).toBeUndefined();
  });
});

describe('parseServiceVolume', () => {
  it.each([
    ['data:/data', { type: 'volume', source: 'data', target: '/data', readOnly: false }],
    ['data:/data:ro', { type: 'volume', source: 'data', target: '/data', readOnly: true }],
    ['/abs:/in:rw', { type: 'bind', source: '/abs', target: '/in', readOnly: false }],
  ])('parses %s', (spec, expected) => {
    expect(parseServiceVolume(spec)).toEqual(expected);
  });

  it.each(['data', 'data:relative', './rel:/x', 'a:/b:rx', ':/x', 'a:/b:ro:extra'])('rejects %s', (spec) => {
    expect(() => parseServiceVolume(spec)).toThrow(/volume/);
  });
});
