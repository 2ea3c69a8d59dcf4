/**
 * What importing a devcontainer.json produces: a project configuration, and what could not be
 * mapped, each with the reason.
 */
import type { ProjectConfig } from '../types/index.ts';

/** One devcontainer.json property (or part of one) that has no equivalent in the project configuration. */
export interface UnmappedItem {
  /** The property as written, e.g. `features`, `runArgs[2] (--cap-add=SYS_PTRACE)`, `containerEnv.PATH`. */
  key: string;
  /** Why it is not mapped, and what to do instead when there is something. */
  reason: string;
}

/** The result of importDevcontainer. */
export interface DevcontainerImport {
  /** The project configuration (`.nexus/config.yaml` content, snake_case keys). */
  config: ProjectConfig;
  /** What was not mapped, in the order the devcontainer.json has it. */
  unmapped: UnmappedItem[];
}

/** Where the devcontainer.json is: paths in it are relative to its folder, the project's to the repository. */
export interface DevcontainerLocation {
  /** Absolute path of the devcontainer.json. */
  file: string;
  /** Absolute path of the repository root. */
  repoRoot: string;
}

/** A mapping step's output: settings to merge into the config, and unmapped items. */
export interface MappedPart {
  config: ProjectConfig;
  unmapped: UnmappedItem[];
}
