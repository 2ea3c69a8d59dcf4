import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ResourceClient } from '../../apis/client/types.ts';
import type { Workspace } from '../../apis/types/index.ts';
import { parseCommandArgs } from '../args.ts';
import { loadCommand } from '../registry.ts';
import { createTestDeps, type TestDeps } from '../test-support.ts';
import workspaceCommand, { WORKSPACE_SUBCOMMANDS, checkFlags, unionOptions } from './workspace.ts';
import { workspaceFromFlags } from './workspace/create.ts';

describe('workspace command', () => {
  let deps: TestDeps;
  let client: ResourceClient;
  const run = (...args: string[]): Promise<number> => workspaceCommand.run(deps, parseCommandArgs('workspace', workspaceCommand.options, args));
  const get = (name: string): Promise<Workspace> => client.get<Workspace>('Workspace', 'default', name);

  beforeEach(async () => {
    deps = await createTestDeps();
    client = await deps.openClient();
  });
  afterEach(async () => {
    await client.close();
    await deps.cleanup();
  });

  it('is registered as workspace and ws', async () => {
    expect(await loadCommand('ws')).toBe(workspaceCommand);
    expect(await loadCommand('workspace')).toBe(workspaceCommand);
  });

  it('rejects unknown subcommands and flags of other subcommands', async () => {
    await expect(run()).rejects.toMatchObject({ exitCode: 2, message: expect.stringContaining('name a subcommand: create, start, stop, pause, switch, destroy, list, up, down') as unknown });
    await expect(run('frobnicate')).rejects.toMatchObject({ exitCode: 2, message: expect.stringContaining('unknown subcommand "frobnicate"') as unknown });
    await expect(run('list', '--force')).rejects.toMatchObject({ exitCode: 2, message: 'unknown flag: --force (not a flag of "workspace list")' });
    expect(() => checkFlags(WORKSPACE_SUBCOMMANDS[0]!, { image: 'x', namespace: 'n', output: undefined })).not.toThrow();
  });

  it('takes the union of the subcommand flags', () => {
    const union = unionOptions(WORKSPACE_SUBCOMMANDS);
    for (const flag of ['image', 'repo', 'backend', 'state', 'wait', 'timeout', 'force', 'output', 'selector', 'no-daemon']) expect(union).toHaveProperty(flag);
  });

  it('creates a workspace from flags, validated by the store (nothing written when invalid)', async () => {
    expect(await run('create', 'api', '--image', 'busybox', '--backend', 'mock', '--repo', 'src', '--base-ref', 'main', '--state', 'Paused', '--no-daemon')).toBe(0);
    expect(deps.out.text).toBe('workspace.nexus.dev/api created\n');
    const ws = await get('api');
    expect(ws.spec).toMatchObject({ image: 'busybox', backend: 'mock', state: 'Paused', repository: { path: `${deps.cwd}/src`, baseRef: 'main' } });
    await expect(run('create', 'api', '--image', 'busybox', '--no-daemon')).rejects.toMatchObject({ code: 'AlreadyExists' });
    await expect(run('create', 'Bad_Name', '--image', 'busybox', '--no-daemon')).rejects.toMatchObject({ code: 'Invalid' });
    await expect(run('create', 'x', '--no-daemon')).rejects.toMatchObject({ exitCode: 2, message: '--image is required' });
    await expect(run('create', 'x', '--image', 'i', '--backend', 'vm')).rejects.toMatchObject({ exitCode: 2 });
    expect((await client.list('Workspace')).items.map((o) => o.metadata.name)).toEqual(['api']);
  });

  it('workspaceFromFlags needs --repo for --branch and uses -n', () => {
    expect(() => workspaceFromFlags('a', { image: 'i', branch: 'b' }, '/')).toThrow('--branch and --base-ref need --repo');
    expect(workspaceFromFlags('a', { image: 'i', namespace: 'dev' }, '/').metadata).toEqual({ name: 'a', namespace: 'dev' });
  });

  it('starts, stops and pauses, writing only when the state changes', async () => {
    await run('create', 'api', '--image', 'busybox', '--backend', 'mock', '--no-daemon');
    const created = await get('api');
    deps.out.text = '';
    expect(await run('pause', 'api', '--no-daemon')).toBe(0);
    expect(await run('pause', 'api', '--no-daemon')).toBe(0);
    expect((await get('api')).spec.state).toBe('Paused');
    expect(await run('stop', 'api', '--no-daemon')).toBe(0);
    expect((await get('api')).spec.state).toBe('Stopped');
    expect(await run('start', 'api', '--no-daemon')).toBe(0);
    expect((await get('api')).spec.state).toBe('Running');
    expect((await get('api')).metadata.generation).toBe((created.metadata.generation ?? 0) + 3);
    expect(deps.out.text).toBe(
      [
        'workspace.nexus.dev/api paused',
        'workspace.nexus.dev/api unchanged (already Paused)',
        'workspace.nexus.dev/api stopped',
        'workspace.nexus.dev/api started',
        '',
      ].join('\n'),
    );
    expect(await run('start', 'nope', 'api', '--no-daemon')).toBe(4);
    expect(deps.err.text).toBe('Error from server (NotFound): workspaces.nexus.dev "nope" not found\n');
  });

  it('start --wait times out (exit 6) with the reason when nothing reconciles', async () => {
    await run('create', 'api', '--image', 'busybox', '--backend', 'mock', '--state', 'Paused', '--no-daemon');
    expect(await run('start', 'api', '--no-daemon', '--wait', '--timeout', '100ms')).toBe(6);
    const [warning, ...rest] = deps.err.text.split('\n').sort((a, b) => Number(b.startsWith('warning:')) - Number(a.startsWith('warning:')));
    expect(warning).toMatch(/^warning: no boulder daemon is running for .*, so nothing will act on this; start one with `boulder daemon`/);
    expect(rest.filter((l) => l !== '').join('\n')).toMatch(/^workspace\/api: not Ready after [\d.]+s: no status reported yet .*\nerror: timed out waiting for condition=Ready on workspaces\/api$/);
  });

  it('destroys workspaces; --force marks them first', async () => {
    await run('create', 'keep', '--image', 'busybox', '--backend', 'mock', '--no-daemon');
    await client.create<Workspace>({ apiVersion: 'nexus.dev/v1alpha1', kind: 'Workspace', metadata: { name: 'held', finalizers: ['nexus.dev/cleanup'] }, spec: { backend: 'mock', image: 'x' } });
    deps.out.text = '';
    expect(await run('destroy', 'held', '--force', '--no-daemon')).toBe(0);
    expect(deps.out.text).toBe('workspace.nexus.dev "held" deleted\n');
    const held = await get('held');
    expect(held.metadata.deletionTimestamp).toBeDefined();
    expect(held.metadata.annotations?.['nexus.dev/force-delete']).toBe('true');
    expect(await run('destroy', 'keep', '--wait', '--timeout', '5s', '--no-daemon')).toBe(0);
    await expect(get('keep')).rejects.toMatchObject({ code: 'NotFound' });
    expect(await run('destroy', 'gone', '--no-daemon')).toBe(4);
  });

  it('lists like get workspaces', async () => {
    await run('create', 'api', '--image', 'busybox', '--backend', 'mock', '--no-daemon');
    deps.out.text = '';
    expect(await run('list')).toBe(0);
    expect(deps.out.text).toMatch(/^NAME +PHASE +BACKEND +BRANCH +STATE +PORTS +READY +AGE\napi +<none> +mock +<none> +Running +<none> +<none> +\d+s\n$/);
    deps.out.text = '';
    expect(await run('list', '-o', 'name', '-A')).toBe(0);
    expect(deps.out.text).toBe('workspace.nexus.dev/api\n');
    await expect(run('list', 'api', '-A')).rejects.toMatchObject({ exitCode: 2 });
  });
});
