/**
 * SIGINT/SIGTERM handling for long-running processes (`boulder daemon`): the first signal stops
 * the manager gracefully (in-flight reconciles finish), a second one exits at once.
 */
import type { EventEmitter } from 'node:events';

/** Options of `stopOnSignals`. */
export interface StopOnSignalsOptions {
  /** Signals that stop the manager. Default SIGINT and SIGTERM. */
  signals?: NodeJS.Signals[];
  /** Where signals are received. Default `process`. */
  source?: Pick<EventEmitter, 'on' | 'off'>;
  /** Called on a second signal while stopping. Default: exit with 128 + the signal's number. */
  onSecondSignal?: (signal: NodeJS.Signals) => void;
}

/** Handle returned by `stopOnSignals`. */
export interface SignalStop {
  /** Resolves with the signal's name once the manager stopped because of it. */
  stopped: Promise<NodeJS.Signals>;
  /** Removes the signal listeners (e.g. after stopping for another reason). */
  dispose(): void;
}

const exitCodeBySignal: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

/** Stops `manager` gracefully on the first of `signals`; see the module comment. */
export function stopOnSignals(manager: { stop(): Promise<void> }, options: StopOnSignalsOptions = {}): SignalStop {
  const signals = options.signals ?? ['SIGINT', 'SIGTERM'];
  const source = options.source ?? process;
  const onSecondSignal =
    options.onSecondSignal ?? ((signal: NodeJS.Signals) => process.exit(exitCodeBySignal[signal] ?? 1));
  let received: NodeJS.Signals | undefined;
  let resolveStopped: (signal: NodeJS.Signals) => void = () => undefined;
  const stopped = new Promise<NodeJS.Signals>((resolve) => (resolveStopped = resolve));

  const handler = (signal: NodeJS.Signals): void => {
    if (received !== undefined) {
      onSecondSignal(signal);
      return;
    }
    received = signal;
    void manager.stop().finally(() => {
      dispose();
      resolveStopped(signal);
    });
  };
  const dispose = (): void => {
    for (const signal of signals) source.off(signal, handler);
  };
  for (const signal of signals) source.on(signal, handler);
  return { stopped, dispose };
}
