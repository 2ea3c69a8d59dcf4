/**
 * Errors the sync engine raises on purpose (typed `BoulderError`s with stable codes).
 */
import { BoulderError } from '../../apis/errors.ts';

/**
 * A scan's basis (the previous listing it was to update) was dropped while the scan ran: the
 * container's agent restarted, or another scan ran meanwhile. The cycle fails and the next one
 * lists everything.
 */
export class ScanBasisLostError extends BoulderError {
  constructor(message = 'the previous listing was dropped during the scan (agent restarted or another scan ran); listing everything next') {
    super('Unavailable', message);
    this.name = 'ScanBasisLostError';
  }
}

/** A cycle, flush or resolve was asked of a paused engine. */
export class SyncPausedError extends BoulderError {
  constructor(message = 'the sync session is paused; resume it first') {
    super('Unavailable', message);
    this.name = 'SyncPausedError';
  }
}
