/**
 * Workspace images built from a Dockerfile: the context is scanned and hashed
 * (`build-context.ts`), the image tagged `nexus-build/<uid8>:<contenthash12>`, and an existing tag
 * is reused without building. A failed build is `ImageBuildFailed` (not transient: the same inputs
 * fail the same way) carrying the builder's last error line.
 */
import type Dockerode from 'dockerode';
import { ProviderError } from '../errors.ts';
import type { DesiredRuntime, ProgressEvent } from '../types.ts';
import { BuildContextError, scanBuildContext, type BuildSource, type FileDigestCache } from './build-context.ts';
import { packBuildContext } from './context-pack.ts';
import { daemonMessage, isEngineUnreachable, toProviderError } from './engine-errors.ts';
import { imageDigest, inspectLocalImage, type ResolvedImage } from './image-pull.ts';
import { objectLabels } from './labels.ts';
import { buildTag } from './names.ts';
import { BUILD_HASH_LABEL, IMAGE_BUILD_FAILED } from '../../../apis/names/index.ts';

/** The tag a build source resolves to now (scans and hashes the context). */
export async function resolveBuildTag(desired: DesiredRuntime, source: BuildSource, cache?: FileDigestCache): Promise<{ tag: string; files: string[]; contentHash: string }> {
  try {
    const scanned = await scanBuildContext(source, cache);
    return { tag: buildTag(desired.target, scanned.contentHash), ...scanned };
  } catch (err) {
    if (err instanceof BuildContextError) throw new ProviderError(IMAGE_BUILD_FAILED, err.message, { transient: false, cause: err });
    throw err;
  }
}

interface BuildMessage {
  stream?: string;
  status?: string;
  error?: string;
  errorDetail?: { message?: string };
}

/** Makes the build's tagged image present: reused when the tag exists, else built (with progress). */
export async function ensureBuiltImage(
  docker: Dockerode,
  desired: DesiredRuntime,
  source: BuildSource,
  resolved: { tag: string; files: string[]; contentHash: string },
  options: { onProgress?: (event: ProgressEvent) => void; signal?: AbortSignal } = {},
): Promise<ResolvedImage> {
  const existing = await inspectLocalImage(docker, resolved.tag);
  if (existing !== undefined) return { ref: resolved.tag, digest: imageDigest(existing), fetched: false };
  const fail = (err: unknown): ProviderError =>
    isEngineUnreachable(err)
      ? toProviderError(docker, err, IMAGE_BUILD_FAILED, `building ${resolved.tag}`)
      : new ProviderError(IMAGE_BUILD_FAILED, `building ${resolved.tag}: ${lastLine(daemonMessage(err))}`, { transient: false, cause: err });
  const abort = new AbortController();
  const forward = (): void => abort.abort(options.signal?.reason);
  if (options.signal?.aborted === true) forward();
  else options.signal?.addEventListener('abort', forward, { once: true });
  const buildOptions: Dockerode.ImageBuildOptions = {
    t: resolved.tag,
    dockerfile: source.dockerfile,
    buildargs: source.args,
    labels: { ...objectLabels(desired.labels, 'build'), [BUILD_HASH_LABEL]: resolved.contentHash },
    rm: true,
    forcerm: true,
    abortSignal: abort.signal,
  };
  if (source.target !== undefined) buildOptions.target = source.target;
  // The context is packed from the resolved path the containment check returned, never following a
  // link out of it; when packing fails (something was swapped meanwhile) the build is aborted and
  // that failure is the one reported.
  let packFailure: Error | undefined;
  const context = packBuildContext(source.context, resolved.files).on('error', (err: Error) => {
    packFailure = err;
    abort.abort(err);
  });
  const failure = (err: unknown): ProviderError =>
    packFailure === undefined ? fail(err) : new ProviderError(IMAGE_BUILD_FAILED, `building ${resolved.tag}: ${packFailure.message}`, { transient: false, cause: packFailure });
  let stream: NodeJS.ReadableStream;
  try {
    stream = await docker.buildImage(context, buildOptions);
  } catch (err) {
    options.signal?.removeEventListener('abort', forward);
    throw failure(err);
  }
  const messages = await new Promise<BuildMessage[]>((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (err: Error | null, output: BuildMessage[]) => (err === null && packFailure === undefined ? resolve(output) : reject(failure(err))),
      (event: BuildMessage) => {
        const line = (event.stream ?? event.status ?? '').trim();
        if (line === '') return;
        const step = /^Step (\d+)\/(\d+)/.exec(line);
        options.onProgress?.({
          step: 'build',
          message: line,
          ...(step === null ? {} : { current: Number(step[1]), total: Number(step[2]) }),
        });
      },
    );
  }).finally(() => options.signal?.removeEventListener('abort', forward));
  const failed = messages.find((m) => m.error !== undefined);
  if (failed !== undefined) {
    const message = lastLine(failed.errorDetail?.message ?? failed.error ?? 'build failed');
    throw new ProviderError(IMAGE_BUILD_FAILED, `building ${resolved.tag}: ${message}`, { transient: false });
  }
  const built = await inspectLocalImage(docker, resolved.tag);
  if (built === undefined) {
    throw new ProviderError(IMAGE_BUILD_FAILED, `building ${resolved.tag}: the build finished but the image is not present`, { transient: false });
  }
  return { ref: resolved.tag, digest: imageDigest(built), fetched: true };
}

function lastLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  return lines.at(-1) ?? text.trim();
}
