/**
 * `image`, `build` (and the legacy top-level `dockerFile` / `context`) → `workspace.image` or
 * `workspace.build`. devcontainer.json paths are relative to its own folder; the project's build
 * context is relative to the repository root and its Dockerfile relative to the context.
 */
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import type { ProjectBuild } from '../types/index.ts';
import type { DevcontainerLocation, MappedPart, UnmappedItem } from './types.ts';
import { substituteVariables } from './variables.ts';

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function inside(parent: string, child: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/** The build of a devcontainer.json, when it has a Dockerfile. */
function mapBuild(doc: Record<string, unknown>, where: DevcontainerLocation, unmapped: UnmappedItem[]): ProjectBuild | undefined {
  const build = isRecord(doc['build']) ? doc['build'] : {};
  const buildKey = isRecord(doc['build']) ? 'build' : 'dockerFile';
  const dockerfile = typeof build['dockerfile'] === 'string' ? build['dockerfile'] : doc['dockerFile'];
  const context = typeof build['context'] === 'string' ? build['context'] : doc['context'];
  if (typeof dockerfile !== 'string' || dockerfile === '') {
    unmapped.push({ key: buildKey, reason: 'has no dockerfile, so there is nothing to build; set workspace.image' });
    return undefined;
  }
  const folder = dirname(where.file);
  const contextPath = resolve(folder, typeof context === 'string' && context !== '' ? context : '.');
  const dockerfilePath = resolve(folder, dockerfile);
  if (!inside(where.repoRoot, contextPath)) {
    unmapped.push({ key: `${buildKey}.context`, reason: 'the build context is outside the repository; the workspace builds from its worktree' });
    return undefined;
  }
  if (!inside(contextPath, dockerfilePath)) {
    unmapped.push({ key: `${buildKey}.dockerfile`, reason: 'the Dockerfile is outside the build context; move it into the context (or widen build.context)' });
    return undefined;
  }
  const out: ProjectBuild = { context: relative(where.repoRoot, contextPath) || '.', dockerfile: relative(contextPath, dockerfilePath) };
  if (isRecord(build['args'])) {
    const args: Record<string, string> = {};
    for (const [name, value] of Object.entries(build['args'])) {
      const substituted = typeof value === 'string' ? substituteVariables(value) : undefined;
      if (substituted === undefined) unmapped.push({ key: `build.args.${name}`, reason: 'must be a string' });
      else if (substituted.unresolved.length > 0) unmapped.push({ key: `build.args.${name}`, reason: `uses ${substituted.unresolved.join(', ')}, which has no value when the workspace image is built` });
      else args[name] = substituted.text;
    }
    if (Object.keys(args).length > 0) out.args = args;
  }
  if (typeof build['target'] === 'string' && build['target'] !== '') out.target = build['target'];
  if (build['cacheFrom'] !== undefined) unmapped.push({ key: 'build.cacheFrom', reason: 'boulder builds without external cache sources' });
  if (build['options'] !== undefined) unmapped.push({ key: 'build.options', reason: 'extra docker build options are not supported' });
  for (const key of Object.keys(build)) {
    if (!['dockerfile', 'context', 'args', 'target', 'cacheFrom', 'options'].includes(key)) unmapped.push({ key: `build.${key}`, reason: 'not a build property boulder knows' });
  }
  return out;
}

/** workspace.image or workspace.build (image wins when both are written, as the devcontainer CLI does). */
export function mapImage(doc: Record<string, unknown>, where: DevcontainerLocation): MappedPart {
  const unmapped: UnmappedItem[] = [];
  const hasBuild = isRecord(doc['build']) || doc['dockerFile'] !== undefined;
  if (typeof doc['image'] === 'string' && doc['image'] !== '') {
    if (hasBuild) unmapped.push({ key: isRecord(doc['build']) ? 'build' : 'dockerFile', reason: 'image is set too; the image is used' });
    return { config: { workspace: { image: doc['image'] } }, unmapped };
  }
  if (doc['image'] !== undefined) unmapped.push({ key: 'image', reason: 'must be a non-empty string' });
  if (!hasBuild) return { config: {}, unmapped };
  const build = mapBuild(doc, where, unmapped);
  return { config: build === undefined ? {} : { workspace: { build } }, unmapped };
}
