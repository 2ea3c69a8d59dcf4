/**
 * Errors the sync engine raises on purpose (typed `BoulderError`s with stable codes).
 */
import { BoulderError } from '../../apis/errors.ts';

/** A cycle, flush or resolve was asked of a paused engine. */
export class SyncPausedError extends BoulderError {
  constructor(message = 'the sync session is paused; resume it first') {
    super('Unavailable', message);
    this.name = 'SyncPausedError';
  }
}
