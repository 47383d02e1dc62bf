import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { findBinary } from './binaries';

/** The real `age` / `age-keygen` binaries (Debian package `age`), driven synchronously: each call takes milliseconds. */
export interface AgeCli {
  age: string;
  ageKeygen: string;
  /** `age-keygen -o <dir>/<name>`: a keys.txt with `# created:` / `# public key:` comments and the secret key. */
  keygen(dir: string, name: string): { file: string; recipient: string };
  /** `age-keygen -y <file>`: the recipient of a key file's identity. */
  recipientOf(keyFile: string): string;
  /** `age -r <recipient>… -a`: an armored age file. */
  encrypt(plaintext: Uint8Array, recipients: readonly string[]): string;
  /** `age -d -i <keyFile>` on armored (or binary) input. */
  decrypt(ciphertext: string | Uint8Array, keyFile: string): Buffer;
}

/**
 * The age CLI on PATH (or $AGE_BIN / $AGE_KEYGEN_BIN), or null when either binary is missing, unless CI=true,
 * where a missing binary is an error (the interop suite must not silently skip there).
 */
export function ageCli(): AgeCli | null {
  const age = findBinary('age', 'AGE_BIN');
  const ageKeygen = findBinary('age-keygen', 'AGE_KEYGEN_BIN');
  if (!age || !ageKeygen) {
    if (process.env.CI === 'true') throw new Error('age / age-keygen are not on PATH (CI=true: the age interop suite must run; apt-get install age)');
    return null;
  }
  const run = (bin: string, args: string[], input?: string | Uint8Array): Buffer => {
    try {
      return execFileSync(bin, args, { input, stdio: ['pipe', 'pipe', 'pipe'], timeout: 10_000 });
    } catch (error) {
      const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? '';
      throw new Error(`${path.basename(bin)} ${args.join(' ')} failed: ${stderr.trim()}`, { cause: error });
    }
  };
  return {
    age,
    ageKeygen,
    keygen(dir, name) {
      const file = path.join(dir, name);
      run(ageKeygen, ['-o', file]);
      return { file, recipient: run(ageKeygen, ['-y', file]).toString().trim() };
    },
    recipientOf: (keyFile) => run(ageKeygen, ['-y', keyFile]).toString().trim(),
    encrypt: (plaintext, recipients) => run(age, ['-a', ...recipients.flatMap((r) => ['-r', r])], plaintext).toString(),
    decrypt: (ciphertext, keyFile) => run(age, ['-d', '-i', keyFile], ciphertext),
  };
}
