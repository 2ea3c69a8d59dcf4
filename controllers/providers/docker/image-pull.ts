/**
 * Image availability: an image present locally is used as is (one inspect, shared by concurrent
 * ensures of the same image; no pull); a missing one is pulled with progress (bytes summed over
 * layers). A registry that cannot be reached or an image that does not exist becomes
 * `ImagePullFailed` with the daemon's message (transient: the controller retries with backoff
 * while the condition says why).
 */
import type Dockerode from 'dockerode';
import { ProviderError } from '../errors.ts';
import type { ProgressEvent } from '../types.ts';
import { daemonMessage, isEngineUnreachable, isNotFound, toProviderError } from './engine-errors.ts';
import { IMAGE_PULL_FAILED } from '../../../apis/names/index.ts';

/** A local image ready to create containers from. */
export interface ResolvedImage {
  ref: string;
  /** RepoDigests[0], else the image id. */
  digest: string;
  /** True when this call pulled or built it. */
  fetched: boolean;
}

/** Digest to report for an inspected image. */
export function imageDigest(info: Pick<Dockerode.ImageInspectInfo, 'RepoDigests' | 'Id'>): string {
  return info.RepoDigests?.[0] ?? info.Id;
}

/** In-flight presence checks per engine client and ref (see `inspectLocalImageShared`). */
const inFlight = new WeakMap<Dockerode, Map<string, Promise<Dockerode.ImageInspectInfo | undefined>>>();

/**
 * `inspectLocalImage`, with concurrent calls for the same ref on the same client answered by ONE
 * request (20 workspaces of one image created at once ask the engine once, not 20 times). Only
 * the in-flight request is shared, never a settled answer, so a caller never sees an answer older
 * than its call. For the first look only: the check after a pull or build must start after it
 * (`inspectLocalImage`), not join a request that started before.
 */
export function inspectLocalImageShared(docker: Dockerode, ref: string): Promise<Dockerode.ImageInspectInfo | undefined> {
  let byRef = inFlight.get(docker);
  if (byRef === undefined) inFlight.set(docker, (byRef = new Map()));
  const pending = byRef.get(ref);
  if (pending !== undefined) return pending;
  const request = inspectLocalImage(docker, ref).finally(() => byRef.delete(ref));
  byRef.set(ref, request);
  return request;
}

/** Inspects a local image; undefined when it is not present. */
export async function inspectLocalImage(docker: Dockerode, ref: string): Promise<Dockerode.ImageInspectInfo | undefined> {
  try {
    return await docker.getImage(ref).inspect();
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw toProviderError(docker, err, IMAGE_PULL_FAILED, `inspecting image ${ref}`);
  }
}

/** Makes `ref` present locally: used when present, else pulled (reporting progress). */
export async function ensurePulledImage(
  docker: Dockerode,
  ref: string,
  options: { onProgress?: (event: ProgressEvent) => void; signal?: AbortSignal } = {},
): Promise<ResolvedImage> {
  const local = await inspectLocalImageShared(docker, ref);
  if (local !== undefined) return { ref, digest: imageDigest(local), fetched: false };
  await pull(docker, ref, options);
  const pulled = await inspectLocalImage(docker, ref);
  if (pulled === undefined) {
    throw new ProviderError(IMAGE_PULL_FAILED, `pulling ${ref}: the pull finished but the image is not present`, { transient: true });
  }
  return { ref, digest: imageDigest(pulled), fetched: true };
}

interface PullMessage {
  status?: string;
  id?: string;
  progressDetail?: { current?: number; total?: number };
  error?: string;
  errorDetail?: { message?: string };
}

async function pull(
  docker: Dockerode,
  ref: string,
  options: { onProgress?: (event: ProgressEvent) => void; signal?: AbortSignal },
): Promise<void> {
  const fail = (err: unknown): ProviderError =>
    isEngineUnreachable(err)
      ? toProviderError(docker, err, IMAGE_PULL_FAILED, `pulling ${ref}`)
      : new ProviderError(IMAGE_PULL_FAILED, `pulling ${ref}: ${daemonMessage(err)}`, { transient: true, cause: err });
  let stream: NodeJS.ReadableStream;
  try {
    stream = (await docker.pull(ref, { abortSignal: options.signal })) as NodeJS.ReadableStream;
  } catch (err) {
    throw fail(err);
  }
  const layers = new Map<string, { current: number; total: number }>();
  const messages = await new Promise<PullMessage[]>((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (err: Error | null, output: PullMessage[]) => (err === null ? resolve(output) : reject(fail(err))),
      (event: PullMessage) => {
        if (event.error !== undefined) return;
        if (event.id !== undefined && event.progressDetail?.total !== undefined) {
          layers.set(event.id, { current: event.progressDetail.current ?? 0, total: event.progressDetail.total });
        }
        const sum = [...layers.values()].reduce((acc, l) => ({ current: acc.current + l.current, total: acc.total + l.total }), { current: 0, total: 0 });
        const message = [event.status, event.id].filter((s) => s !== undefined && s !== '').join(' ');
        options.onProgress?.({ step: 'pull', message: `${ref}: ${message}`, ...(sum.total > 0 ? sum : {}) });
      },
    );
  });
  const failed = messages.find((m) => m.error !== undefined);
  if (failed !== undefined) {
    throw new ProviderError(IMAGE_PULL_FAILED, `pulling ${ref}: ${(failed.errorDetail?.message ?? failed.error ?? '').trim()}`, { transient: true });
  }
}
