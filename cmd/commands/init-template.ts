/**
 * The starter `.nexus/config.yaml` `boulder init` writes: a yaml-language-server modeline (so
 * editors complete and check the file against the shipped schema), then a small commented
 * configuration that is valid as written. Pure: the caller supplies the paths and the image.
 */
import { stringify } from 'yaml';
import type { ProjectBuild } from '../../apis/types/index.ts';

/** Image the starter uses when the repository has no devcontainer.json to take one from. */
export const STARTER_IMAGE = 'node:24-bookworm';

/** Inputs of starterConfig. */
export interface StarterInputs {
  /** Absolute path of the installed schemas/config-project.schema.json. */
  schemaPath: string;
  /** The workspace name boulder up uses by default (shown in a comment). */
  defaultName: string;
  /** workspace.image, or workspace.build, to write (from a devcontainer.json); default STARTER_IMAGE. */
  image?: string;
  build?: ProjectBuild;
  /** The devcontainer.json the image or build came from, relative to the repository. */
  imageFrom?: string;
}

/** `key: value` of one YAML scalar (quoted when YAML needs it). */
function scalar(value: string): string {
  return stringify(value, { lineWidth: 0 }).trimEnd();
}

/** The `workspace:` block's image or build lines. */
function imageLines(inputs: StarterInputs): string[] {
  const from = inputs.imageFrom === undefined ? '' : `   # from ${inputs.imageFrom}`;
  if (inputs.build !== undefined) {
    const body = stringify({ build: inputs.build }, { lineWidth: 0 }).trimEnd().split('\n');
    return [`  # Built from a Dockerfile${inputs.imageFrom === undefined ? '' : ` (from ${inputs.imageFrom})`}; or set image: instead.`, ...body.map((line) => `  ${line}`)];
  }
  return [`  image: ${scalar(inputs.image ?? STARTER_IMAGE)}${from}`, '  # build: {context: ., dockerfile: Dockerfile}   # instead of image'];
}

/** The starter file's text (see the module comment). */
export function starterConfig(inputs: StarterInputs): string {
  return [
    `# yaml-language-server: $schema=${inputs.schemaPath}`,
    '# boulder project configuration: `boulder up` creates this repository\'s workspace from it.',
    '# Commit it. Personal defaults go in ~/.nexus/config.yaml; flags (--image, --set KEY=VALUE) and',
    '# NEXUS_* variables override it for one run. `boulder config view --show-origin` shows the result.',
    '',
    'workspace:',
    `  # name: ${inputs.defaultName}   # default: the repository directory's name`,
    ...imageLines(inputs),
    '  # idle_timeout: 2h   # pause after this long without activity',
    '',
    '# Ports of the workspace published on the host; host ports are allocated deterministically',
    '# (set host_port to pin one).',
    'ports:',
    '  web:',
    '    port: 3000',
    '',
    '# Containers started beside the workspace, reachable by their name (here: db:5432).',
    '# services:',
    '#   db:',
    '#     image: postgres:17',
    '#     env:',
    '#       POSTGRES_PASSWORD: dev',
    '#     ports:',
    '#       - port: 5432',
    '#     volumes:',
    '#       - pgdata:/var/lib/postgresql/data',
    '',
    '# Environment of the workspace (not for secrets). env_files are dotenv files, env wins over them.',
    'env:',
    '  APP_ENV: development',
    '# env_files: [.env]',
    '',
    '# Secrets, injected as environment variables and never stored: a name takes its source from your',
    '# ~/.nexus/config.yaml secrets (else the variable of that name); or NAME: env:VAR | file:PATH | keychain:SERVICE/ACCOUNT.',
    '# secrets: [GITHUB_TOKEN]',
    '',
    '# Shell scripts run in the workspace: pre_start once after the container is created,',
    '# post_start every time it starts.',
    'scripts:',
    '  # pre_start: npm ci',
    '  post_start: echo "workspace ready"',
    '',
    '# How files reach the workspace: bind (the default on local Docker) or a sync mode.',
    '# sync:',
    '#   mode: two-way-safe',
    '#   exclude: [node_modules]',
    '',
  ].join('\n');
}
