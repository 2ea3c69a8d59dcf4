/**
 * Errors a provider raises when the outside world refuses: the engine is unreachable, an image
 * cannot be pulled or built, a container will not start. Each carries a CamelCase `reason` for the
 * condition it becomes, and whether retrying can help (`transient`): transient ones are retried with
 * backoff while the condition tells the user why; the others become terminal conditions.
 */
import { BoulderError } from '../../apis/errors.ts';
import type {
  CONTAINER_CREATE_FAILED,
  CONTAINER_START_FAILED,
  ENGINE_UNAVAILABLE,
  IMAGE_BUILD_FAILED,
  IMAGE_PULL_FAILED,
  NETWORK_FAILED,
  SERVICE_FAILED,
} from '../../apis/names/index.ts';

/** Stable reasons a provider reports. */
export type ProviderFailureReason =
  | typeof ENGINE_UNAVAILABLE
  | typeof IMAGE_PULL_FAILED
  | typeof IMAGE_BUILD_FAILED
  | typeof CONTAINER_CREATE_FAILED
  | typeof CONTAINER_START_FAILED
  | typeof NETWORK_FAILED
  | typeof SERVICE_FAILED;

/** A failure of the runtime backend, with the condition it maps to. */
export class ProviderError extends BoulderError {
  readonly reason: ProviderFailureReason;
  readonly transient: boolean;

  constructor(reason: ProviderFailureReason, message: string, options: { transient: boolean; cause?: unknown }) {
    super(options.transient ? 'Unavailable' : 'Invalid', message, { cause: options.cause });
    this.name = 'ProviderError';
    this.reason = reason;
    this.transient = options.transient;
  }
}

/** True when `err` is a ProviderError. */
export function isProviderError(err: unknown): err is ProviderError {
  return err instanceof ProviderError;
}
