/**
 * A logger that writes nothing and does not load pino: the default of the providers, which a CLI
 * command (`boulder exec`, `logs`, `ports`) builds without a logger, so their start does not pay
 * for loading pino (about 15 ms) to discard every line. The daemon passes its real logger.
 */
import type { Logger } from './logger.ts';

/** A Logger whose every level method does nothing, whose children are itself, and that reports level `silent`. */
export function noopLogger(): Logger {
  const noop = (): void => undefined;
  const logger = {
    level: 'silent',
    levels: { values: {}, labels: {} },
    fatal: noop,
    error: noop,
    warn: noop,
    info: noop,
    debug: noop,
    trace: noop,
    silent: noop,
    child: () => logger,
    bindings: () => ({}),
    setBindings: noop,
    isLevelEnabled: () => false,
    flush: (cb?: (err?: Error) => void) => cb?.(),
  };
  return logger as unknown as Logger;
}
