/**
 * devcontainer.json properties boulder knows but does not map, each with the reason (and what to do
 * instead). Properties that map have their own modules; `HANDLED` lists them.
 */

/** Properties mapped (at least in part) by the importer's modules. */
export const HANDLED: readonly string[] = [
  'image', 'build', 'dockerFile', 'context',
  'forwardPorts', 'appPort', 'portsAttributes', 'otherPortsAttributes',
  'containerEnv', 'remoteEnv', 'runArgs', 'hostRequirements',
  'onCreateCommand', 'updateContentCommand', 'postCreateCommand', 'postStartCommand',
  'mounts', 'workspaceMount', 'workspaceFolder',
];

/** Properties ignored without a note: they describe the file, not the container. */
export const IGNORED: readonly string[] = ['$schema'];

const COMPOSE = 'Docker Compose setups are not imported; set workspace.image and declare the other containers under services';
const EDITOR = 'editor settings; boulder does not configure editors';
const USER = "the workspace runs as the image's user";

/** Known, unmapped properties → reason. */
export const UNMAPPED_REASONS: Readonly<Record<string, string>> = {
  name: 'a display name; the workspace is named after the repository directory (set workspace.name to choose)',
  features: 'Dev Container Features are not installed; bake them into the image (e.g. devcontainer build) and set workspace.image',
  overrideFeatureInstallOrder: 'Dev Container Features are not installed',
  customizations: EDITOR,
  extensions: EDITOR,
  settings: EDITOR,
  devPort: EDITOR,
  remoteUser: USER,
  containerUser: USER,
  updateRemoteUserUID: USER,
  userEnvProbe: 'the workspace environment is env and secrets; shells are not probed',
  dockerComposeFile: COMPOSE,
  service: COMPOSE,
  runServices: COMPOSE,
  initializeCommand: 'runs on the host before the container is created; boulder runs no host commands',
  postAttachCommand: 'boulder has no attach step; use scripts.post_start for commands run at every start',
  waitFor: 'boulder reports Ready once the container and its scripts are up',
  shutdownAction: 'workspaces stop with boulder ws stop (or pause after workspace.idle_timeout)',
  overrideCommand: "the workspace keeps its container running itself; the image's command is not used",
  init: 'not configurable in a Workspace',
  privileged: 'container privileges are not configurable in a Workspace',
  capAdd: 'container privileges are not configurable in a Workspace',
  securityOpt: 'container privileges are not configurable in a Workspace',
  secrets: 'recommended secrets are prompts for editors; list the workspace secrets under secrets',
};

/** The reason for an unknown property. */
export const UNKNOWN_REASON = 'not a devcontainer.json property boulder knows';
