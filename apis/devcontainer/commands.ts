/**
 * devcontainer lifecycle commands (`postCreateCommand`, `postStartCommand`, …) as shell scripts for
 * `scripts.pre_start` / `scripts.post_start`. A command is a string (run by a shell), an array (one
 * program and its arguments, no shell) or an object of named commands (run in parallel by the
 * devcontainer CLI; here one after another).
 */
import { substituteVariables } from './variables.ts';

/** A command turned into a shell script, or why it could not be. */
export type ScriptResult = { script: string; sequential: boolean } | { problem: string };

/** `arg` quoted for a POSIX shell when it needs to be. */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_/.:=@%+,-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Scripts run one after another, stopping at the first that fails: `(\na\n) && (\nb\n)`; one script as itself. */
export function sequence(scripts: readonly string[]): string {
  if (scripts.length === 1) return scripts[0] as string;
  return scripts.map((script) => `(\n${script}\n)`).join(' && ');
}

function oneCommand(value: unknown): string | { problem: string } {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string')) return (value as string[]).map(shellQuote).join(' ');
  return { problem: 'must be a string or a non-empty array of strings' };
}

/** The shell script of a lifecycle command (see the module comment). */
export function lifecycleScript(value: unknown): ScriptResult {
  let script: string;
  let sequential = false;
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) return { problem: 'has no commands' };
    const parts: string[] = [];
    for (const [name, command] of entries) {
      const one = oneCommand(command);
      if (typeof one !== 'string') return { problem: `${name} ${one.problem}` };
      parts.push(entries.length === 1 ? one : `# ${name}\n${one}`);
    }
    script = sequence(parts);
    sequential = entries.length > 1;
  } else {
    const one = oneCommand(value);
    if (typeof one !== 'string') return one;
    script = one;
  }
  const substituted = substituteVariables(script);
  if (substituted.unresolved.length > 0) return { problem: `uses ${substituted.unresolved.join(', ')}, which has no value in a boulder workspace` };
  if (substituted.text.trim() === '') return { problem: 'is empty' };
  return { script: substituted.text, sequential };
}
