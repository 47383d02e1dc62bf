import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { writeFileAtomic } from './atomic';
import { InvalidKeyError, InvalidStoreUrlError } from './errors';
import type { ObjectStore } from './types';

/** Temp files writeFileAtomic leaves behind after a crash; never reported as objects. */
const TEMP_PREFIX = '.tmp-';

/**
 * Keys are `/`-separated relative paths. Anything that could resolve outside the root (`..`, absolute paths,
 * backslashes that Windows tooling would treat as separators) is refused rather than normalised, so that two
 * spellings never name the same object.
 */
export function validateKey(key: string, { allowEmpty = false, allowTrailingSlash = false } = {}): void {
  if (typeof key !== 'string') throw new InvalidKeyError(String(key), 'not a string');
  if (key === '') {
    if (allowEmpty) return;
    throw new InvalidKeyError(key, 'empty');
  }
  if (key.startsWith('/')) throw new InvalidKeyError(key, 'absolute paths are not keys');
  if (key.includes('\\')) throw new InvalidKeyError(key, 'backslash');
  if (key.includes('\0')) throw new InvalidKeyError(key, 'NUL byte');
  const segments = key.split('/');
  if (allowTrailingSlash && segments[segments.length - 1] === '') segments.pop();
  for (const segment of segments) {
    if (segment === '') throw new InvalidKeyError(key, 'empty path segment');
    if (segment === '.' || segment === '..') throw new InvalidKeyError(key, `"${segment}" segment`);
    if (segment.startsWith(TEMP_PREFIX)) throw new InvalidKeyError(key, `segments starting with ${TEMP_PREFIX} are reserved`);
  }
}

/** `file:///abs/path` → `/abs/path`; relative or host-qualified file URLs are refused. */
export function fileUrlToDir(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidStoreUrlError(url, 'not a URL');
  }
  if (parsed.protocol !== 'file:') throw new InvalidStoreUrlError(url, 'expected file://');
  try {
    return fileURLToPath(parsed);
  } catch (error) {
    throw new InvalidStoreUrlError(url, error instanceof Error ? error.message : String(error));
  }
}

/** ObjectStore over a local directory; every put is atomic (temp + fsync + rename). */
export class FileObjectStore implements ObjectStore {
  readonly url: string;
  readonly root: string;

  constructor(urlOrDir: string) {
    this.root = urlOrDir.startsWith('file:') ? fileUrlToDir(urlOrDir) : path.resolve(urlOrDir);
    this.url = pathToFileURL(this.root).href;
  }

  localPath(key: string): string {
    validateKey(key);
    return path.join(this.root, ...key.split('/'));
  }

  async put(key: string, data: Uint8Array | string): Promise<void> {
    await writeFileAtomic(this.localPath(key), data);
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      return await fs.readFile(this.localPath(key));
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await fs.rm(this.localPath(key), { force: true });
  }

  /** Keys starting with `prefix` (a plain string prefix, like S3), recursively, sorted. */
  async list(prefix: string): Promise<string[]> {
    validateKey(prefix, { allowEmpty: true, allowTrailingSlash: true });
    // Walk only the deepest directory the prefix pins down, not the whole store.
    const dirPart = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    const base = dirPart ? path.join(this.root, ...dirPart.split('/')) : this.root;
    let entries;
    try {
      entries = await fs.readdir(base, { recursive: true, withFileTypes: true });
    } catch (error) {
      if (isMissing(error) || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
      throw error;
    }
    const keys: string[] = [];
    for (const entry of entries) {
      if (!entry.isFile() || entry.name.startsWith(TEMP_PREFIX)) continue;
      const rel = path.relative(this.root, path.join(entry.parentPath, entry.name)).split(path.sep).join('/');
      if (rel.startsWith(prefix)) keys.push(rel);
    }
    return keys.sort();
  }
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT';
}
