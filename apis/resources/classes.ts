/** The named resource classes a Workspace's `spec.resources.class` (and a node's limits) may use. */

/** CPU cores and memory quantity of each resource class. */
export const RESOURCE_CLASSES: Record<string, { cpus: number; memory: string }> = {
  small: { cpus: 1, memory: '2Gi' },
  medium: { cpus: 2, memory: '4Gi' },
  large: { cpus: 4, memory: '8Gi' },
  xlarge: { cpus: 8, memory: '16Gi' },
};
