/** Annotation keys shared by the latency writer and reader. */

/** Wall-clock time (ms, fractional) at which the writer started the write. */
export const LATENCY_SENT_AT = 'bench.nexus.dev/sent-at';
/** "true" on warm-up writes, which the reader does not count. */
export const LATENCY_WARMUP = 'bench.nexus.dev/warmup';
