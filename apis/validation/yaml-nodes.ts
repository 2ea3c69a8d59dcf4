/**
 * Walks the node tree of a parsed YAML document: finds the node at a field path (for error
 * positions) and the keys that appear twice in one mapping.
 */
import { isAlias, isMap, isScalar, isSeq, visit } from 'yaml';
import type { Document, Node, Pair } from 'yaml';
import type { PathSegment } from './field-path.ts';

/** A key repeated in one mapping: where it appears again and where it first appeared. */
export interface DuplicateKey {
  path: PathSegment[];
  offset: number;
  firstOffset: number;
}

/** The node of `doc` reached by `path`, or the deepest node on the way when the path leaves the tree. */
export function offsetAtPath(doc: Document, path: readonly PathSegment[], preferKey: boolean): number | undefined {
  let node = resolve(doc, doc.contents);
  if (node === undefined) return undefined;
  let offset = startOf(node);
  let keyOffset: number | undefined;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.findLast((item) => keyText(item.key) === String(segment));
      if (pair === undefined) return offset;
      keyOffset = startOf(pair.key);
      const value = resolve(doc, pair.value);
      if (value === undefined || isEmptyScalar(value)) return keyOffset ?? offset;
      node = value;
      offset = startOf(value) ?? keyOffset ?? offset;
    } else if (isSeq(node) && Number.isInteger(Number(segment))) {
      const item = resolve(doc, node.items[Number(segment)] as Node | null | undefined);
      if (item === undefined) return offset;
      keyOffset = undefined;
      node = item;
      offset = startOf(item) ?? offset;
    } else {
      return offset;
    }
  }
  return preferKey && keyOffset !== undefined ? keyOffset : offset;
}

/** Every key that appears more than once in the same mapping, anywhere in the document. */
export function findDuplicateKeys(doc: Document): DuplicateKey[] {
  const found: DuplicateKey[] = [];
  const visit = (node: unknown, path: PathSegment[]): void => {
    if (isMap(node)) {
      const seen = new Map<string, number>();
      for (const pair of node.items as Pair[]) {
        const key = keyText(pair.key);
        if (key !== undefined) {
          const offset = startOf(pair.key) ?? 0;
          const first = seen.get(key);
          if (first === undefined) seen.set(key, offset);
          else found.push({ path: [...path, key], offset, firstOffset: first });
        }
        visit(pair.value, [...path, key ?? '?']);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, index) => visit(item, [...path, index]));
    }
  };
  visit(doc.contents, []);
  return found;
}

/** Where the first alias (`*name`) without a matching anchor starts, if any. */
export function findUnresolvedAlias(doc: Document): number | undefined {
  let offset: number | undefined;
  visit(doc, {
    Alias(_key, node) {
      if (node.resolve(doc) !== undefined) return undefined;
      offset = startOf(node);
      return visit.BREAK;
    },
  });
  return offset;
}

/** True when the document holds nothing (only comments, or an empty/`null` scalar). */
export function isEmptyDocument(doc: Document): boolean {
  return doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null);
}

function resolve(doc: Document, node: unknown): Node | undefined {
  let current = node;
  for (let hops = 0; isAlias(current) && hops < 100; hops++) current = current.resolve(doc);
  return current === null || current === undefined ? undefined : (current as Node);
}

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  if (typeof key === 'string' || typeof key === 'number') return String(key);
  return undefined;
}

function startOf(node: unknown): number | undefined {
  const range = (node as { range?: [number, number, number] } | null)?.range;
  return range?.[0];
}

function isEmptyScalar(node: Node): boolean {
  return isScalar(node) && node.value === null && node.range !== undefined && node.range !== null && node.range[0] === node.range[1];
}
