/**
 * Builds the apiextensions.k8s.io/v1 CustomResourceDefinition of a kind from its schema, and renders
 * it as the YAML file committed under `manifests/crds/`.
 */
import { stringify } from 'yaml';
import type { KindInfo } from '../kinds.ts';
import { printerColumnsForKind } from '../schema/printer-columns.ts';
import { resolvedKindSchema } from '../schema/registry.ts';
import { GENERATED_NOTICE } from './banner.ts';
import { toCrdSchema } from './crd-schema.ts';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, PART_OF_LABEL, PART_OF_VALUE } from '../names/index.ts';

/** Category every boulder kind belongs to: `kubectl get nexus` lists them all. */
export const CRD_CATEGORY = 'nexus';

/** The CRD object of `kind`. */
export function buildCrd(kind: KindInfo): Record<string, unknown> {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${kind.plural}.${kind.group}`,
      labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [PART_OF_LABEL]: PART_OF_VALUE },
    },
    spec: {
      group: kind.group,
      scope: 'Namespaced',
      names: {
        kind: kind.kind,
        listKind: kind.listKind,
        plural: kind.plural,
        singular: kind.singular,
        shortNames: [...kind.shortNames],
        categories: [CRD_CATEGORY],
      },
      versions: [
        {
          name: kind.version,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: printerColumnsForKind(kind.kind),
          schema: { openAPIV3Schema: toCrdSchema(resolvedKindSchema(kind.kind)) },
        },
      ],
    },
  };
}

/** Relative path of the CRD file of `kind`, e.g. `manifests/crds/workspaces.nexus.dev.yaml`. */
export function crdFilePath(kind: KindInfo): string {
  return `manifests/crds/${kind.plural}.${kind.group}.yaml`;
}

/** The CRD of `kind` as YAML, with the generated-file notice. */
export function renderCrdYaml(kind: KindInfo): string {
  return `# ${GENERATED_NOTICE}\n${stringify(buildCrd(kind), { lineWidth: 0, aliasDuplicateObjects: false })}`;
}
