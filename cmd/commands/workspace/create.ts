/**
 * `boulder workspace create NAME --image IMG [--repo PATH] ...`: builds a Workspace object from
 * flags and creates it through the store, whose admission validates and defaults it exactly as
 * for `apply` (nothing is written when it is invalid); then makes sure a daemon runs and, with
 * `--wait`, shows its conditions until it is Ready.
 */
import { resolve } from 'node:path';
import { kindByName, type KindInfo } from '../../../apis/kinds.ts';
import { API_VERSION } from '../../../apis/meta.ts';
import type { Workspace, WorkspaceRepository } from '../../../apis/types/index.ts';
import { choiceOption } from '../../args.ts';
import { UsageError } from '../../cli-error.ts';
import { defineCommand, defineOptions, type OptionValues } from '../../command.ts';
import { durationFlag } from '../../duration.ts';
import { ExitCode } from '../../exit-codes.ts';
import { namespaceOf, singularResource } from '../../resources.ts';
import { WORKSPACE_STATES } from '../../../controllers/workspace/operations/state.ts';
import { LIFECYCLE_WAIT_TIMEOUT_MS, WAIT_OPTIONS } from '../../workspace/wait-options.ts';

/** Backends `--backend` accepts (the schema's enum). */
export const BACKENDS = ['docker', 'mock', 'sprite', 'kubernetes'] as const;

const USAGE_NAME = 'workspace create';

/** The flags of `workspace create`. */
const CREATE_OPTIONS = defineOptions({
  image: { type: 'string', valueName: 'IMAGE', description: 'Container image of the workspace (required)' },
  repo: { type: 'string', valueName: 'DIR', description: 'Git repository to make the worktree from' },
  branch: { type: 'string', valueName: 'BRANCH', description: 'Branch of the worktree (default nexus/NAME)' },
  'base-ref': { type: 'string', valueName: 'REF', description: 'Commit, branch or tag a new branch starts from' },
  backend: { type: 'string', valueName: 'BACKEND', description: 'Where it runs: docker (default), mock, sprite, kubernetes', choices: BACKENDS },
  state: { type: 'string', valueName: 'STATE', description: 'Initial state: Running (default), Stopped or Paused', choices: WORKSPACE_STATES },
  ...WAIT_OPTIONS,
});

/** The Workspace object the flags describe; `--repo` is resolved against `cwd`. */
export function workspaceFromFlags(name: string, values: OptionValues<typeof CREATE_OPTIONS>, cwd: string): Workspace {
  const image = values.image;
  if (image === undefined) throw new UsageError('--image is required', USAGE_NAME);
  const repo = values.repo;
  const branch = values.branch;
  const baseRef = values['base-ref'];
  if (repo === undefined && (branch !== undefined || baseRef !== undefined)) throw new UsageError('--branch and --base-ref need --repo', USAGE_NAME);
  const backend = choiceOption(values, 'backend', BACKENDS, USAGE_NAME);
  const state = choiceOption(values, 'state', WORKSPACE_STATES, USAGE_NAME);
  const ws: Workspace = { apiVersion: API_VERSION as Workspace['apiVersion'], kind: 'Workspace', metadata: { name, namespace: namespaceOf(values) }, spec: { image } };
  if (backend !== undefined) ws.spec.backend = backend;
  if (repo !== undefined) {
    const repository: WorkspaceRepository = { path: resolve(cwd, repo) };
    if (branch !== undefined) repository.branch = branch;
    if (baseRef !== undefined) repository.baseRef = baseRef;
    ws.spec.repository = repository;
  }
  if (state !== undefined) ws.spec.state = state;
  return ws;
}


/** `workspace create`. */
export const createCommand = defineCommand({
  name: 'create',
  summary: 'Create a workspace from flags',
  usage: [`${USAGE_NAME} NAME --image IMAGE [--repo PATH [--branch B] [--base-ref REF]] [--backend B] [--state S] [--wait]`],
  options: CREATE_OPTIONS,
  async run(deps, { values, positionals }) {
    if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'name the workspace to create' : `unexpected argument "${positionals[1]}"`, USAGE_NAME);
    if (values['all-namespaces'] === true) throw new UsageError('-A is not supported; use -n NAMESPACE', USAGE_NAME);
    const timeoutMs = durationFlag(values.timeout, LIFECYCLE_WAIT_TIMEOUT_MS, 'timeout', USAGE_NAME);
    const ws = workspaceFromFlags(positionals[0] as string, values, deps.cwd);
    const kind = kindByName('Workspace') as KindInfo;
    const client = await deps.openClient();
    try {
      const created = await client.create(ws);
      deps.stdout.write(`${singularResource(kind)}/${created.metadata.name} created\n`);
      if (values['no-daemon'] !== true) {
        const { startDaemon } = await import('../../daemon/start.ts');
        const failed = await startDaemon(deps);
        if (failed !== undefined) return failed;
      }
      if (values.wait !== true) return ExitCode.Ok;
      const { waitWithProgress } = await import('../../progress/wait.ts');
      return (await waitWithProgress(deps, client, [{ kind, namespace: created.metadata.namespace ?? 'default', name: created.metadata.name }], { timeoutMs })) ?? ExitCode.Ok;
    } finally {
      await client.close();
    }
  },
});
