/**
 * Rendering the effective configuration into the resources `boulder up` applies (and
 * `boulder up --dry-run` prints): the Workspace, and only the Workspace. Neither PortBindings nor a
 * SyncSession are rendered: the Workspace controller creates the ones it owns (from spec.ports, and
 * `<name>-sync` for a sync mode other than bind), so each object has exactly one owner.
 */
import type { EffectiveConfig } from '../config/effective.ts';
import type { KubeObject } from '../meta.ts';
import { renderWorkspace, type RenderOptions } from './workspace.ts';

export { renderWorkspace, renderedName, PROJECT_CONFIG_SOURCE, type RenderOptions } from './workspace.ts';
export { worktreePathOf, WORKSPACE_DIR } from './workspace-folder.ts';
export { resolveRenderInputs, secretsDirOf, type RenderInputOptions, type RenderInputs } from './inputs.ts';
export { labelValue, projectLabel } from './labels.ts';

/**
 * The objects of `config`: the Workspace alone (see the module comment). Pure: the same
 * configuration and options give the same objects. Env files and secrets are resolved beforehand
 * (resolveRenderInputs) and passed in `options`.
 */
export function renderResources(config: EffectiveConfig, options: RenderOptions = {}): KubeObject[] {
  return [renderWorkspace(config, options)];
}
