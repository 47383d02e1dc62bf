import fs from 'node:fs';
import path from 'node:path';
import { APP_UID, UnpinnedImageError } from './common';
import { DOCKERFILE, imageRef, REPO_ROOT } from './image';

describe('imageRef', () => {
  it.each([
    [{ repository: 'gogooku3', tag: '1.2.3' }, 'gogooku3:1.2.3'],
    [{ repository: 'acme/gogooku3', tag: 'git-0a1b2c3' }, 'acme/gogooku3:git-0a1b2c3'],
    [{ repository: 'acme/gogooku3', tag: '1.2.3', registry: { server: 'registry.example.com:5000' } }, 'registry.example.com:5000/acme/gogooku3:1.2.3'],
  ])('%j → %s', (args, ref) => {
    expect(imageRef(args)).toBe(ref);
  });
  it.each([
    [{ repository: 'acme/gogooku3', tag: 'latest' }, /^image.tag: .*latest/],
    [{ repository: 'acme/gogooku3', tag: '' }, /^image.tag: .*no tag/],
    [{ repository: 'acme/gogooku3:1.0', tag: '1.0' }, /^image.repository: /],
    [{ repository: 'Acme/App', tag: '1.0' }, /^image.repository: /],
    [{ repository: 'acme/app', tag: '1.0', registry: { server: 'https://r.example.com' } }, /^image.registry.server: /],
    [{ repository: 'acme/app', tag: 'bad tag' }, /^image.tag: /],
  ])('refuses %j', (args, message) => {
    expect(() => imageRef(args)).toThrow(UnpinnedImageError);
    expect(() => imageRef(args)).toThrow(message);
  });
});

describe('components/images/Dockerfile', () => {
  const text = fs.readFileSync(path.join(REPO_ROOT, DOCKERFILE), 'utf8');
  const froms = [...text.matchAll(/^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/gm)].map((m) => ({ image: m[1], stage: m[2] }));

  it('is multi-stage on a Node 24 base pinned by patch tag', () => {
    expect(froms.map((f) => f.stage)).toEqual(['deps', 'runtime']);
    const base = /^ARG NODE_IMAGE=(\S+)$/m.exec(text)?.[1];
    expect(base).toMatch(/^node:24\.\d+\.\d+-/);
  });
  it('installs production dependencies only, with the lock file', () => {
    expect(text).toMatch(/npm ci --omit=dev/);
    expect(text).not.toMatch(/npm install/);
  });
  it(`runs as the non-root uid ${APP_UID} the manifests use, with /tmp and /data as volumes`, () => {
    expect(text).toMatch(new RegExp(`^USER ${APP_UID}:${APP_UID}$`, 'm'));
    expect(text).toMatch(/^VOLUME \["\/tmp", "\/data"\]$/m);
  });
  it('ships only what the CLI needs (the context is the repository root)', () => {
    const ignore = fs.readFileSync(path.join(REPO_ROOT, `${DOCKERFILE}.dockerignore`), 'utf8');
    expect(ignore.split('\n')[1]).toBe('**');
    for (const dir of [...text.matchAll(/^COPY (?!--from)(.+) \.\/?\S*$/gm)].flatMap((m) => m[1].split(/\s+/))) {
      expect(fs.existsSync(path.join(REPO_ROOT, dir))).toBe(true);
    }
  });
});
