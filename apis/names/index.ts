/**
 * Well-known names, defined once: label, annotation and finalizer keys (metadata.ts), condition
 * types (conditions.ts) and condition reasons (reasons.ts). See README's design notes.
 */
export * from './metadata.ts';
export * from './conditions.ts';
export * from './reasons.ts';
