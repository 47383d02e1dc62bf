import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { InvalidKeyError, InvalidStoreUrlError } from './errors';
import { FileObjectStore } from './file-object-store';

describe('FileObjectStore', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'g3-objstore-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('opens from a file:// URL and round-trips bytes and strings', async () => {
    const root = path.join(dir, 'lake one');
    const store = new FileObjectStore(pathToFileURL(root).href);
    expect(store.root).toBe(root);
    await store.put('a/b/c.bin', new Uint8Array([1, 2, 3]));
    await store.put('a/note.txt', '日本語 130A');
    expect(Array.from((await store.get('a/b/c.bin'))!)).toEqual([1, 2, 3]);
    expect(Buffer.from((await store.get('a/note.txt'))!).toString('utf8')).toBe('日本語 130A');
    expect(await store.get('a/missing')).toBeUndefined();
    expect(store.localPath('a/b/c.bin')).toBe(path.join(root, 'a', 'b', 'c.bin'));
    expect(fs.readFileSync(path.join(root, 'a/b/c.bin'))).toEqual(Buffer.from([1, 2, 3]));
  });

  it('lists recursively by string prefix, sorted, without temp files', async () => {
    const store = new FileObjectStore(path.join(dir, 'list'));
    for (const key of ['x/date=2024-01-05/part-0.parquet', 'x/date=2024-01-04/_SUCCESS.json', 'x/date=2024-01-04/part-0.parquet', 'y/z.json', 'top.txt']) {
      await store.put(key, key);
    }
    fs.writeFileSync(path.join(store.root, 'x/date=2024-01-05/.tmp-part-0.parquet-1-abcd'), 'partial');
    expect(await store.list('x/')).toEqual(['x/date=2024-01-04/_SUCCESS.json', 'x/date=2024-01-04/part-0.parquet', 'x/date=2024-01-05/part-0.parquet']);
    expect(await store.list('x/date=2024-01-04')).toEqual(['x/date=2024-01-04/_SUCCESS.json', 'x/date=2024-01-04/part-0.parquet']);
    expect(await store.list('')).toEqual([...await store.list('x/'), 'y/z.json', 'top.txt'].sort());
    expect(await store.list('nothing/here/')).toEqual([]);
    expect(await store.list('top.txt/')).toEqual([]);
  });

  it('deletes (missing keys are fine)', async () => {
    const store = new FileObjectStore(path.join(dir, 'del'));
    await store.put('k/v', '1');
    await store.delete('k/v');
    await store.delete('k/v');
    expect(await store.get('k/v')).toBeUndefined();
    expect(await store.list('k/')).toEqual([]);
  });

  it.each(['../escape', 'a/../../b', '/etc/passwd', 'a//b', 'a/./b', '', 'a\\b', 'a/.tmp-x'])('refuses key %j', async (key) => {
    const store = new FileObjectStore(path.join(dir, 'bad'));
    await expect(store.put(key, 'x')).rejects.toBeInstanceOf(InvalidKeyError);
    await expect(store.get(key)).rejects.toBeInstanceOf(InvalidKeyError);
    expect(() => store.localPath(key)).toThrow(InvalidKeyError);
  });

  it('refuses list prefixes that climb out', async () => {
    const store = new FileObjectStore(path.join(dir, 'bad'));
    await expect(store.list('../')).rejects.toBeInstanceOf(InvalidKeyError);
  });

  it('refuses a host-qualified file URL', () => {
    expect(() => new FileObjectStore('file://relative/lake')).toThrow(InvalidStoreUrlError);
  });
});
