/**
 * Rendering the effective configuration into the resources `boulder up` applies (and
 * `boulder up --dry-run` prints): the Workspace, and a SyncSession when files are synchronized
 * rather than bind-mounted. PortBindings are not rendered: the Workspace controller creates the
 * ones it owns from spec.ports.
 */
import type { EffectiveConfig } from '../config/effective.ts';
import type { KubeObject } from '../meta.ts';
import { renderSyncSession } from './sync-session.ts';
import { renderWorkspace, type RenderOptions } from './workspace.ts';

export { renderWorkspace, renderedName, PROJECT_CONFIG_SOURCE, type RenderOptions } from './workspace.ts';
export { renderSyncSession, worktreePathOf, WORKSPACE_DIR } from './sync-session.ts';
export { resolveRenderInputs, secretsDirOf, type RenderInputOptions, type RenderInputs } from './inputs.ts';
export { MANAGED_BY_LABEL, PROJECT_LABEL, WORKSPACE_LABEL, RENDERED_FROM_ANNOTATION, labelValue, projectLabel } from './labels.ts';

/**
 * The objects of `config`, in a fixed order: the Workspace, then its SyncSession (when sync.mode
 * is set and not `bind`). Pure: the same configuration and options give the same objects.
 * Env files and secrets are resolved beforehand (resolveRenderInputs) and passed in `options`.
 */
export function renderResources(config: EffectiveConfig, options: RenderOptions = {}): KubeObject[] {
  const workspace = renderWorkspace(config, options);
  const syncSession = renderSyncSession(workspace);
  return syncSession === undefined ? [workspace] : [workspace, syncSession];
}
