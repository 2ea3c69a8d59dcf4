/**
 * `boulder trace validate|attach|install-hook|blame`: the Agent Trace records the daemon writes
 * for API writes made with a `--contributor` token (server/trace). `validate FILE` checks every
 * record of a JSONL file (or one JSON record) against the vendored schema; `attach [COMMIT]`
 * stores the records of a commit as its note under refs/notes/agent-trace; `install-hook` makes
 * git run attach after every commit; `blame FILE[:LINE]` says who wrote each line.
 */
import { existsSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { choiceOption } from '../args.ts';
import { CliError, UsageError } from '../cli-error.ts';
import { defineCommand, type CliDeps } from '../command.ts';
import { ExitCode, type ExitCodeValue } from '../exit-codes.ts';

/** Marker line of the hook boulder installs (an existing hook without it is never replaced). */
export const HOOK_MARKER = '# boulder trace post-commit hook';

/** `trace validate FILE`: checks Agent Trace records (one JSON object, or JSON lines). */
async function validateTrace(deps: CliDeps, rest: readonly string[]): Promise<ExitCodeValue> {
  if (rest.length !== 1) throw new UsageError('name one file to validate', 'trace validate');
  const path = resolve(deps.cwd, rest[0] as string);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read ${rest[0]}: ${(err as Error).message}`, ExitCode.NotFound);
  }
  const { recordValidator } = await import('../../server/trace/record.ts');
  const validate = recordValidator();
  const trimmed = text.trim();
  const units: Array<{ line: number; text: string }> = trimmed.startsWith('{') && !trimmed.includes('\n{') ? [{ line: 1, text: trimmed }] : text.split('\n').map((t, i) => ({ line: i + 1, text: t })).filter((u) => u.text.trim() !== '');
  let bad = 0;
  for (const unit of units) {
    let record: unknown;
    try {
      record = JSON.parse(unit.text);
    } catch (err) {
      bad++;
      deps.stderr.write(`${rest[0]}:${unit.line}: not JSON: ${(err as Error).message}\n`);
      continue;
    }
    for (const problem of validate(record)) {
      bad++;
      deps.stderr.write(`${rest[0]}:${unit.line}: ${problem}\n`);
    }
  }
  if (bad > 0) throw new CliError(`${rest[0]}: ${bad} problem(s) in ${units.length} record(s)`, ExitCode.Invalid);
  deps.stdout.write(`${rest[0]}: ${units.length} record(s) valid (Agent Trace 0.1.0)\n`);
  return ExitCode.Ok;
}

/** `trace attach [COMMIT]`: attaches the commit's trace records as a git note. */
async function attachTrace(deps: CliDeps, rest: readonly string[], dryRun: boolean): Promise<ExitCodeValue> {
  if (rest.length > 1) throw new UsageError('name at most one commit', 'trace attach');
  const { attachCommit } = await import('../../server/trace/attach.ts');
  const result = await attachCommit(deps.cwd, rest[0] ?? 'HEAD', { dryRun });
  for (const path of result.skipped) deps.stderr.write(`warning: ${path} changed outside the API since its records: left out of the note\n`);
  if (result.record === undefined) {
    deps.stderr.write(`no trace records for commit ${result.commit.slice(0, 12)}\n`);
    return ExitCode.Ok;
  }
  if (dryRun) deps.stdout.write(`${JSON.stringify(result.record, null, 2)}\n`);
  else deps.stdout.write(`note ${result.record.id} attached to ${result.commit.slice(0, 12)} (${result.used} record(s), ${result.record.files.length} file(s))\n`);
  return ExitCode.Ok;
}

/** `trace install-hook`: a post-commit hook running `boulder trace attach HEAD`. */
async function installHook(deps: CliDeps, rest: readonly string[]): Promise<ExitCodeValue> {
  if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`, 'trace install-hook');
  const { gitOk } = await import('../../server/trace/git.ts');
  const hookPath = resolve(deps.cwd, (await gitOk(deps.cwd, ['rev-parse', '--git-path', 'hooks/post-commit'])).trim());
  if (existsSync(hookPath) && !readFileSync(hookPath, 'utf8').includes(HOOK_MARKER)) throw new CliError(`${hookPath} exists and is not boulder's: add "boulder trace attach" to it yourself`, ExitCode.Conflict);
  const script = process.argv[1] !== undefined && isAbsolute(process.argv[1]) ? `'${process.execPath.replaceAll("'", "'\\''")}' '${process.argv[1].replaceAll("'", "'\\''")}'` : 'boulder';
  writeFileSync(hookPath, `#!/bin/sh\n${HOOK_MARKER}\n${script} trace attach HEAD >/dev/null || echo "boulder trace attach failed" >&2\n`);
  chmodSync(hookPath, 0o755);
  deps.stdout.write(`installed ${hookPath}\n`);
  return ExitCode.Ok;
}

/** `trace blame FILE[:LINE]`: who wrote each line, from the trace records. */
async function blameTrace(deps: CliDeps, rest: readonly string[], output: 'json' | undefined): Promise<ExitCodeValue> {
  if (rest.length !== 1) throw new UsageError('name one FILE[:LINE]', 'trace blame');
  const match = /^(.*?)(?::(\d+))?$/.exec(rest[0] as string);
  const file = match?.[1] ?? '';
  const line = match?.[2] === undefined ? undefined : Number(match[2]);
  if (file === '' || (line !== undefined && line < 1)) throw new UsageError('name one FILE[:LINE] (lines start at 1)', 'trace blame');
  const { blame } = await import('../../server/trace/blame.ts');
  let lines;
  try {
    lines = await blame(deps.cwd, file, line);
  } catch (err) {
    throw new CliError((err as Error).message, ExitCode.NotFound);
  }
  if (output === 'json') {
    deps.stdout.write(`${JSON.stringify(lines, null, 2)}\n`);
    return ExitCode.Ok;
  }
  for (const l of lines) {
    const who = l.contributor === null ? '-' : `${l.contributor.type}${l.contributor.model_id !== undefined ? ` ${l.contributor.model_id}` : ''}`;
    deps.stdout.write(`${String(l.line).padStart(5)} ${l.revision.slice(0, 8)} ${who.padEnd(28)} ${l.conversation ?? '-'}\t${l.text}\n`);
  }
  return ExitCode.Ok;
}

const command = defineCommand({
  name: 'trace',
  summary: 'Agent Trace records: validate, attach to commits as git notes, blame',
  usage: ['trace validate FILE', 'trace attach [COMMIT] [--dry-run]', 'trace install-hook', 'trace blame FILE[:LINE] [-o json]'],
  description: [
    'The daemon appends an Agent Trace record (agent-trace.dev 0.1.0) to .agent-trace/traces.jsonl of',
    'a worktree for every fs.write, fs.rename, fs.remove and exec.start made with a token created with',
    '--contributor. attach (default HEAD) turns the records made on top of the commit\'s parent into one',
    'record in the commit\'s line numbers, stored as its git note (refs/notes/agent-trace); install-hook',
    'runs attach after every commit. blame runs git blame at HEAD and looks each line up in the note',
    'of the commit that last touched it.',
    '',
    'Examples:',
    '  boulder trace validate .agent-trace/traces.jsonl',
    '  boulder trace attach',
    '  boulder trace blame src/app.ts:42 -o json',
  ].join('\n'),
  options: {
    output: { type: 'string', short: 'o', valueName: 'FORMAT', description: 'blame: output format (json)', choices: ['json'] },
    'dry-run': { type: 'boolean', description: 'attach: print the note instead of storing it' },
  },
  async run(deps, { values, positionals }) {
    const [sub, ...rest] = positionals;
    if (sub === 'validate') return validateTrace(deps, rest);
    if (sub === 'attach') return attachTrace(deps, rest, values['dry-run'] === true);
    if (sub === 'install-hook') return installHook(deps, rest);
    if (sub === 'blame') return blameTrace(deps, rest, choiceOption(values, 'output', ['json'] as const, 'trace'));
    throw new UsageError(sub === undefined ? 'name a subcommand: validate, attach, install-hook or blame' : `unknown trace subcommand "${sub}"`, 'trace');
  },
});

export default command;
