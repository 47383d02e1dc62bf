import fs from 'node:fs';
import path from 'node:path';

/**
 * A server binary for a test suite: `$<envVar>` when set (null if it is not executable), else `name` on PATH,
 * else the first executable of `fallbacks` (e.g. /usr/sbin, which a non-root PATH lacks); null when there is none.
 */
export function findBinary(name: string, envVar: string, fallbacks: readonly string[] = []): string | null {
  const explicit = process.env[envVar];
  if (explicit) return isExecutable(explicit) ? explicit : null;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return fallbacks.find(isExecutable) ?? null;
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}
