/**
 * s3rver (the S3 wire protocol, in-process, on an ephemeral loopback port with a temp directory) for suites that
 * need an object store. s3rver checks access key ids but not V4 signatures, and has no bucket versioning.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { S3Client } from '@aws-sdk/client-s3';

export interface S3rverServer {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}
type S3rverConstructor = new (options: { port: number; address: string; silent: boolean; directory: string; configureBuckets: unknown[] }) => S3rverServer;
// s3rver ships no type declarations.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require('s3rver') as S3rverConstructor;


/** s3rver's built-in account. */
export const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/**
 * s3rver 3.7 encrypts ListObjectsV2 continuation tokens with single DES, which OpenSSL 3 (Node >= 17) keeps in its
 * legacy provider: without --openssl-legacy-provider every truncated listing answers 500. Unless the process has
 * DES, route s3rver's 'des' to two-key triple DES with both keys equal (EDE with K1 = K2 is single DES) while this
 * file runs; s3rver only ever decrypts its own tokens. Returns the undo.
 */
export function enableS3rverContinuationTokens(): () => void {
  try {
    crypto.createCipheriv('des', Buffer.alloc(8), Buffer.alloc(8));
    return () => undefined;
  } catch {
    // DES unavailable: shim below.
  }
  type Factory = (algorithm: string, key: Buffer, iv: Buffer, options?: unknown) => unknown;
  const mutable = crypto as unknown as { createCipheriv: Factory; createDecipheriv: Factory };
  const { createCipheriv, createDecipheriv } = mutable;
  const widen = (factory: Factory): Factory => (algorithm, key, iv, options) =>
    algorithm.toLowerCase() === 'des' ? factory('des-ede-cbc', Buffer.concat([key, key]), iv, options) : factory(algorithm, key, iv, options);
  mutable.createCipheriv = widen(createCipheriv);
  mutable.createDecipheriv = widen(createDecipheriv);
  return () => {
    mutable.createCipheriv = createCipheriv;
    mutable.createDecipheriv = createDecipheriv;
  };
}

export async function startServer(): Promise<{ server: S3rverServer; endpoint: string; directory: string }> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'g3-s3rver-'));
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory, configureBuckets: [] });
  const address = await server.run();
  return { server, endpoint: `http://127.0.0.1:${address.port}`, directory };
}


/** s3rver with the DES shim on, plus the AWS_* environment that points the project's S3 store at it. */
export async function startS3rver(): Promise<{ endpoint: string; directory: string; env: Record<string, string>; stop(): Promise<void> }> {
  const restore = enableS3rverContinuationTokens();
  const { server, endpoint, directory } = await startServer();
  return {
    endpoint,
    directory,
    env: { AWS_ENDPOINT_URL: endpoint, AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey, AWS_REGION: 'us-east-1' },
    async stop() {
      await server.close();
      restore();
      fs.rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** Counts the commands a client sends (by SDK command name), for asserting which S3 calls an operation made. */
export function countCommands(client: S3Client): Map<string, number> {
  const counts = new Map<string, number>();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = context.commandName ?? '?';
      counts.set(name, (counts.get(name) ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: 'g3CountCommands' },
  );
  return counts;
}

/** Deterministic pseudo-random bytes (xorshift), for objects whose content must be checked. */
export function pattern(size: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes[i] = x & 0xff;
  }
  return bytes;
}

export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}
