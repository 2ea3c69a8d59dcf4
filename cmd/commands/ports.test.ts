import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ResourceClient } from '../../apis/client/types.ts';
import type { PortBinding, Workspace } from '../../apis/types/index.ts';
import { parseCommandArgs } from '../args.ts';
import { createTestDeps, type TestDeps } from '../test-support.ts';
import portsCommand, { envVariableName, formatEnv, parsePortsRequest } from './ports.ts';
import { portEntry } from '../../controllers/portbinding/ports.ts';

let deps: TestDeps;
let client: ResourceClient;

beforeEach(async () => {
  deps = await createTestDeps();
  client = await deps.openClient();
});
afterEach(async () => {
  await client.close();
  await deps.cleanup();
});

const run = (...args: string[]): Promise<number> => portsCommand.run(deps, parseCommandArgs('ports', portsCommand.options, args));

async function workspace(name: string, namespace = 'default'): Promise<Workspace> {
  return client.create<Workspace>({
    apiVersion: 'nexus.dev/v1alpha1',
    kind: 'Workspace',
    metadata: { name, namespace },
    spec: { backend: 'mock', image: 'busybox', ports: { web: { containerPort: 3000 }, api: { containerPort: 8080 } }, services: { postgres: { image: 'postgres', ports: [{ containerPort: 5432 }] } } },
  });
}

/** A binding with a status as the controller writes it. */
async function binding(name: string, spec: PortBinding['spec'], status: PortBinding['status'], namespace = 'default'): Promise<void> {
  const created = await client.create<PortBinding>({ apiVersion: 'nexus.dev/v1alpha1', kind: 'PortBinding', metadata: { name, namespace }, spec });
  if (status !== undefined) await client.updateStatus<PortBinding>({ ...created, status });
}

async function seed(): Promise<void> {
  await workspace('app');
  await binding('app-postgres-5432', { workspace: 'app', service: 'postgres', name: 'postgres-5432', containerPort: 5432 }, { phase: 'Bound', hostPort: 32803, url: 'tcp://127.0.0.1:32803' });
  await binding('app-web', { workspace: 'app', name: 'web', containerPort: 3000 }, { phase: 'Bound', hostPort: 32801, url: 'http://127.0.0.1:32801' });
  await binding('app-api', { workspace: 'app', name: 'api', containerPort: 8080 }, undefined);
  await workspace('other');
  await binding('other-web', { workspace: 'other', name: 'web', containerPort: 3000, hostPort: 3000 }, { phase: 'Standby', hostPort: 32811, url: 'http://127.0.0.1:32811' });
}

describe('boulder ports', () => {
  it('prints a table in declaration order per workspace', async () => {
    await seed();
    expect(await run()).toBe(0);
    expect(deps.out.text).toBe(
      [
        'WORKSPACE   NAME            PROTOCOL   CONTAINER       HOST     URL                      PHASE',
        'app         web             tcp        3000            32801    http://127.0.0.1:32801   Bound',
        'app         api             tcp        8080            <none>   <none>                   Pending',
        'app         postgres-5432   tcp        postgres:5432   32803    tcp://127.0.0.1:32803    Bound',
        'other       web             tcp        3000            32811    http://127.0.0.1:32811   Standby',
        '',
      ].join('\n'),
    );
  });

  it('-o env prints NAME_PORT lines of one workspace and warns about ports without a host port', async () => {
    await seed();
    expect(await run('app', '-o', 'env')).toBe(0);
    expect(deps.out.text).toBe('WEB_PORT=32801\nPOSTGRES_5432_PORT=32803\n');
    expect(deps.err.text).toBe('warning: port api of app has no host port yet (Pending)\n');
  });

  it('-o json prints compact entries; -A adds other namespaces', async () => {
    await seed();
    await workspace('lab', 'team');
    await binding('lab-web', { workspace: 'lab', name: 'web', containerPort: 3000 }, { phase: 'Bound', hostPort: 32901, url: 'http://127.0.0.1:32901' }, 'team');
    expect(await run('other', '-o', 'json')).toBe(0);
    expect(JSON.parse(deps.out.text)).toEqual([
      { namespace: 'default', workspace: 'other', name: 'web', protocol: 'tcp', containerPort: 3000, hostPort: 32811, url: 'http://127.0.0.1:32811', phase: 'Standby', binding: 'other-web' },
    ]);
    deps.out.text = '';
    expect(await run('-A')).toBe(0);
    const lines = deps.out.text.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAMESPACE\s+WORKSPACE\s+NAME/);
    expect(lines.at(-1)).toMatch(/^team\s+lab\s+web\s+tcp\s+3000\s+32901\s+http:\/\/127\.0\.0\.1:32901\s+Bound$/);
  });

  it('an unknown workspace is NotFound; none at all prints the kubectl message', async () => {
    await expect(run('nope')).rejects.toThrow('workspaces.nexus.dev "nope" not found');
    expect(await run()).toBe(0);
    expect(deps.err.text).toBe('No resources found in default namespace.\n');
  });
});

describe('parsing and formatting', () => {
  it('-o env needs a workspace; one workspace at most', () => {
    expect(() => parsePortsRequest({ output: 'env' }, [])).toThrow('-o env prints the ports of one workspace');
    expect(() => parsePortsRequest({}, ['a', 'b'])).toThrow('unexpected argument "b"');
    expect(() => parsePortsRequest({ output: 'yaml' }, [])).toThrow('invalid value "yaml" for --output');
    expect(parsePortsRequest({ 'all-namespaces': true }, ['a'])).toEqual({ workspace: 'a' });
  });
  it.each([
    ['web', 'WEB_PORT'],
    ['postgres-5432', 'POSTGRES_5432_PORT'],
    ['dns-53-udp', 'DNS_53_UDP_PORT'],
    ['8080', 'PORT_8080_PORT'],
  ])('%s → %s', (name, variable) => expect(envVariableName(name)).toBe(variable));
  it('a fixed port not yet bound shows the spec port', () => {
    const entry = portEntry({ apiVersion: 'nexus.dev/v1alpha1', kind: 'PortBinding', metadata: { name: 'x' }, spec: { workspace: 'w', containerPort: 1, hostPort: 3000 } }, 'web');
    expect(entry).toMatchObject({ hostPort: 3000, phase: 'Pending' });
    expect(formatEnv([entry])).toBe('WEB_PORT=3000\n');
  });
});
