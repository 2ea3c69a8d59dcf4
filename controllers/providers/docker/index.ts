/**
 * Public surface of the Docker provider: the provider and its factory, deterministic names and
 * labels (for tests, benchmarks and `docker` one-liners in docs).
 */
export { createDockerProvider, DockerProvider, type DockerProviderOptions } from './docker-provider.ts';
export { buildTag, containerName, dockerNames, networkName, serviceContainerName, uid8, volumeName } from './names.ts';
export { MANAGED_FILTER } from './labels.ts';
