import fs from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * Writes a file so that readers see the old content or the new, never half: temp file in the same directory,
 * fsync, rename over the target, fsync the directory. A crash leaves at most a `.tmp-*` file, which is ignored.
 */
export async function writeFileAtomic(target: string, data: string | Uint8Array): Promise<void> {
  const dir = path.dirname(target);
  await fs.mkdir(dir, { recursive: true });
  const temp = path.join(dir, `.tmp-${path.basename(target)}-${process.pid}-${randomBytes(4).toString('hex')}`);
  const handle = await fs.open(temp, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (error) {
    await handle.close().catch(() => undefined);
    await fs.rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  try {
    await fs.rename(temp, target);
  } catch (error) {
    await fs.rm(temp, { force: true });
    throw error;
  }
  const dirHandle = await fs.open(dir, 'r');
  try {
    await dirHandle.sync();
  } finally {
    await dirHandle.close();
  }
}

/**
 * A file written in pieces and published at once: appends go to a temp file beside the target; commit()
 * fsyncs and renames it over the target, abort() removes it. Readers never see a partial file.
 */
export class AtomicFileWriter {
  private constructor(readonly target: string, private readonly temp: string, private readonly handle: fs.FileHandle) {}

  static async open(target: string): Promise<AtomicFileWriter> {
    const dir = path.dirname(target);
    await fs.mkdir(dir, { recursive: true });
    const temp = path.join(dir, `.tmp-${path.basename(target)}-${process.pid}-${randomBytes(4).toString('hex')}`);
    return new AtomicFileWriter(target, temp, await fs.open(temp, 'w'));
  }

  async write(data: string | Uint8Array): Promise<void> {
    await this.handle.write(data as Uint8Array);
  }

  async commit(): Promise<void> {
    try {
      await this.handle.sync();
      await this.handle.close();
      await fs.rename(this.temp, this.target);
    } catch (error) {
      await this.abort();
      throw error;
    }
    const dirHandle = await fs.open(path.dirname(this.target), 'r');
    try {
      await dirHandle.sync();
    } finally {
      await dirHandle.close();
    }
  }

  async abort(): Promise<void> {
    await this.handle.close().catch(() => undefined);
    await fs.rm(this.temp, { force: true });
  }
}
