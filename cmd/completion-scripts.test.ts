import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { KINDS } from '../apis/kinds.ts';
import { bashCompletion, fishCompletion, zshCompletion, type CompletionModel } from './completion-scripts.ts';
import { loadAllCommands } from './registry.ts';

async function model(): Promise<CompletionModel> {
  return { commands: await loadAllCommands(), kinds: KINDS.flatMap((k) => [k.plural, k.singular, ...k.shortNames]) };
}

/** Runs the bash completion function for `words` (the last one being completed) and returns COMPREPLY. */
function complete(script: string, words: string[]): string[] {
  const program = `${script}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _boulder; printf '%s\\n' "\${COMPREPLY[@]}"`;
  return execFileSync('bash', ['-c', program], { encoding: 'utf8' }).split('\n').filter((l) => l !== '');
}

describe('bash completion', () => {
  it('is valid bash', async () => {
    const script = bashCompletion(await model());
    execFileSync('bash', ['-n'], { input: script });
  });

  it('completes commands, kinds with short names, flags and flag values', async () => {
    const script = bashCompletion(await model());
    expect(complete(script, ['boulder', 'd'])).toEqual(['down', 'describe', 'delete', 'daemon']);
    expect(complete(script, ['boulder', 'get', ''])).toEqual(KINDS.flatMap((k) => [k.plural, k.singular, ...k.shortNames]));
    expect(complete(script, ['boulder', 'get', 'ws', '-o', ''])).toEqual(['wide', 'yaml', 'json', 'name']);
    expect(complete(script, ['boulder', '--state-dir', '/x', 'get', 'ws', '--ig'])).toEqual(['--ignore-not-found']);
    expect(complete(script, ['boulder', 'wait', 'ws', 'a', '--for', ''])).toEqual(['condition=Ready', 'delete']);
    expect(complete(script, ['boulder', 'daemon', 's'])).toEqual(['status', 'stop']);
  });

  it('completes object names through `boulder get KIND -o name`', async () => {
    // A stand-in `boulder` function records its arguments (in a file: it runs in a subshell) and prints names.
    const script = `${bashCompletion(await model())}\nboulder() { echo "$*" > "$CALLED"; printf 'workspace.nexus.dev/alpha\\nworkspace.nexus.dev/beta\\n'; }`;
    const program = `${script}\nCOMP_WORDS=(boulder -n dev describe ws b); COMP_CWORD=5; CALLED=$(mktemp); _boulder; cat "$CALLED"; rm -f "$CALLED"; printf '%s\\n' "\${COMPREPLY[@]}"`;
    const out = execFileSync('bash', ['-c', program], { encoding: 'utf8' }).trim().split('\n');
    expect(out).toEqual(['get ws -n dev -o name', 'beta']);
  });
});

describe('zsh and fish completion', () => {
  it('zsh reuses the bash function through bashcompinit', async () => {
    const script = zshCompletion(await model());
    expect(script.startsWith('#compdef boulder\n')).toBe(true);
    expect(script).toContain('bashcompinit');
    expect(script).toContain('complete -F _boulder boulder');
  });

  it('fish offers every command with its summary and kinds after object commands', async () => {
    const m = await model();
    const script = fishCompletion(m);
    for (const c of m.commands) expect(script).toContain(`-a ${c.name} -d `);
    expect(script).toContain("-a 'workspaces workspace ws portbindings portbinding pb syncsessions syncsession ss'");
    expect(script).toContain("complete -c boulder -n '__boulder_command_is get' -l output -s o -x -a 'wide yaml json name'");
  });
});
