/**
 * kubectl-style aligned tables: upper-case headers, columns left-aligned and separated by three
 * spaces, no trailing whitespace.
 */

/** Pads every column to its widest cell; `rows` cells must line up with `headers`. */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  return [headers, ...rows].map((row) => formatRow(row, widths)).join('');
}

/** Formats one row against fixed column widths (used by `get --watch`, whose rows come one by one). */
export function formatRow(row: readonly string[], widths: readonly number[]): string {
  const cells = row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? cell.length)));
  return `${cells.join('   ').trimEnd()}\n`;
}

/** Column widths fitting the headers and rows (each at least as wide as its header). */
export function columnWidths(headers: readonly string[], rows: readonly (readonly string[])[]): number[] {
  return headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
}
