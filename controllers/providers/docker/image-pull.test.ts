import type Dockerode from 'dockerode';
import { describe, expect, it } from 'vitest';
import { ensurePulledImage, inspectLocalImageShared } from './image-pull.ts';

/** A fake engine with the given local images; counts inspects, each answered after `delayMs`. */
function fakeEngine(images: string[], delayMs = 5) {
  const inspects: string[] = [];
  const present = new Set(images);
  const docker = {
    getImage: (ref: string) => ({
      inspect: async () => {
        inspects.push(ref);
        await new Promise((r) => setTimeout(r, delayMs));
        if (!present.has(ref)) throw Object.assign(new Error('no such image'), { statusCode: 404 });
        return { Id: `sha256:${ref}`, RepoDigests: [] };
      },
    }),
  } as unknown as Dockerode;
  return { docker, inspects, present };
}

describe('inspectLocalImageShared', () => {
  it('answers concurrent checks of one ref with one engine request, and each ref on its own', async () => {
    const { docker, inspects } = fakeEngine(['img:a', 'img:b']);
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => ensurePulledImage(docker, i % 4 === 0 ? 'img:b' : 'img:a')));
    expect(answers.every((a) => !a.fetched)).toBe(true);
    expect(answers[0]!.digest).toBe('sha256:img:b');
    expect(answers[1]!.digest).toBe('sha256:img:a');
    expect(inspects.sort()).toEqual(['img:a', 'img:b']);
  });

  it('never hands out a settled answer: a check after the shared one settled asks the engine again', async () => {
    const { docker, inspects, present } = fakeEngine([]);
    expect(await inspectLocalImageShared(docker, 'img:late')).toBeUndefined();
    present.add('img:late');
    expect((await inspectLocalImageShared(docker, 'img:late'))?.Id).toBe('sha256:img:late');
    expect(inspects).toEqual(['img:late', 'img:late']);
  });

  it('shares a failure only with the callers of the failed request', async () => {
    const { docker } = fakeEngine([]);
    let fail = true;
    const real = docker.getImage.bind(docker);
    (docker as unknown as { getImage: unknown }).getImage = (ref: string) =>
      fail ? { inspect: async () => Promise.reject(Object.assign(new Error('engine gone'), { code: 'ECONNREFUSED' })) } : real(ref);
    const all = await Promise.allSettled([inspectLocalImageShared(docker, 'x'), inspectLocalImageShared(docker, 'x')]);
    expect(all.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    expect(await inspectLocalImageShared(docker, 'x')).toBeUndefined();
  });
});
