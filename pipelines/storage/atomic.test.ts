import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeFileAtomic } from './atomic';

describe('writeFileAtomic', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'g3-atomic-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('creates parent directories and replaces content whole', async () => {
    const target = path.join(dir, 'a/b/c.json');
    await writeFileAtomic(target, 'first');
    await writeFileAtomic(target, 'second');
    expect(fs.readFileSync(target, 'utf8')).toBe('second');
    expect(fs.readdirSync(path.dirname(target))).toEqual(['c.json']);
  });

  it('leaves the old file and no temp file when the write fails', async () => {
    const target = path.join(dir, 'keep.txt');
    await writeFileAtomic(target, 'old');
    const bad = { [Symbol.iterator]: () => { throw new Error('boom'); } } as unknown as Uint8Array;
    await expect(writeFileAtomic(target, bad)).rejects.toThrow();
    expect(fs.readFileSync(target, 'utf8')).toBe('old');
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('.tmp-'))).toEqual([]);
  });
});
