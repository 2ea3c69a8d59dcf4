/**
 * devcontainer.json variables (`${localEnv:NAME}`, `${containerWorkspaceFolder}`, …): which ones
 * have a meaning in a boulder workspace. The worktree is always at /workspace, so the container
 * workspace folder maps; host-side values (localEnv, localWorkspaceFolder) cannot be written into a
 * committed configuration, except a whole value `${localEnv:NAME}`, which becomes a secret source.
 */
import { WORKSPACE_DIR } from '../render/workspace-folder.ts';

const VARIABLE = /\$\{([^}]*)\}/g;

/** Variables with a fixed meaning in the workspace. */
const FIXED: Record<string, string> = {
  containerWorkspaceFolder: WORKSPACE_DIR,
  containerWorkspaceFolderBasename: WORKSPACE_DIR.slice(1),
};

/** `text` with the variables that have a fixed meaning replaced; `unresolved` lists the others (`${localEnv:HOME}`). */
export function substituteVariables(text: string): { text: string; unresolved: string[] } {
  const unresolved: string[] = [];
  const out = text.replace(VARIABLE, (whole, name: string) => {
    const fixed = FIXED[name];
    if (fixed !== undefined) return fixed;
    unresolved.push(whole);
    return whole;
  });
  return { text: out, unresolved };
}

/** The NAME of a value that is exactly `${localEnv:NAME}` (no default, nothing around it), else undefined. */
export function wholeLocalEnv(text: string): string | undefined {
  const match = /^\$\{localEnv:([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(text);
  return match?.[1];
}

/** True when `text` is the workspace folder on the host (`${localWorkspaceFolder}`, optionally with a trailing `/`). */
export function isLocalWorkspaceFolder(text: string): boolean {
  return /^\$\{localWorkspaceFolder\}\/?$/.test(text.trim());
}

/** True when `text` is the workspace folder in the container as boulder has it (/workspace or ${containerWorkspaceFolder}). */
export function isContainerWorkspaceFolder(text: string): boolean {
  return substituteVariables(text.trim()).text.replace(/\/+$/, '') === WORKSPACE_DIR;
}
