import { describe, expect, it } from 'vitest';
import { buildPathProblems } from './build-paths.ts';

describe('buildPathProblems', () => {
  it.each([
    [{ context: '.', dockerfile: 'Dockerfile' }, []],
    [{ context: 'docker/app', dockerfile: '.devcontainer/Dockerfile' }, []],
    [{ context: 'a/../b', dockerfile: 'x/../Dockerfile' }, []],
    [{ context: '../..' }, ['context: must stay inside the repository (it leaves it through "..")']],
    [{ context: 'a/../../b' }, ['context: must stay inside the repository (it leaves it through "..")']],
    [{ context: '/etc' }, ['context: must be relative to the repository, not an absolute path']],
    [{ context: '..\\..' }, ['context: must stay inside the repository (it leaves it through "..")']],
    [{ context: 'C:\\Windows' }, ['context: must be relative to the repository, not an absolute path']],
    [{ context: 'a\nb' }, ['context: must not contain a line break']],
    [{ context: 'a\0b' }, ['context: must not contain a NUL character']],
    [{ dockerfile: '../Dockerfile' }, ['dockerfile: must stay inside the build context (it leaves it through "..")']],
    [{ dockerfile: '/etc/passwd' }, ['dockerfile: must be relative to the build context, not an absolute path']],
    [{ dockerfile: 'sub/..' }, ['dockerfile: must name a file of the build context']],
  ])('%j → %j', (build, expected) => {
    expect(buildPathProblems(build).map((p) => `${p.field}: ${p.message}`)).toEqual(expected);
  });
});
