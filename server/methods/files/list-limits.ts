/** How far one `fs.list` (and a runtime's polling `fs.watch`) goes. */

/** Deepest `fs.list` depth accepted. */
export const MAX_LIST_DEPTH = 32;
/** Most entries one `fs.list` returns (then `truncated`): a listing stays a few MB, one message. */
export const MAX_LIST_ENTRIES = 20_000;
