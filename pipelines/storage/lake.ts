import fs from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash, randomUUID } from 'node:crypto';
import { DuckDBDataChunk, DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { DUCK_TYPE, SQL_TYPE, fromDuck, isoDateToDays, quoteIdent, quoteString, toDuckConverter } from './duck-values';
import pLimit from 'p-limit';
import { writeFileAtomic } from './atomic';
import { LakeIntegrityError, LakeSchemaError } from './errors';
import { columnsFromRows, writerColumns } from './lake-columns';
import { writeParquetFile } from './parquet-writer';
import { DATASETS, type ColumnSpec, type Dataset, type Lake, type ObjectStore, type PartitionManifest, type Row } from './types';

export const DATA_FILE = 'part-0.parquet';
export const MANIFEST_FILE = '_SUCCESS.json';
/** DuckDB's vector size: the most rows one data chunk holds. */
const CHUNK_ROWS = 2048;
const COLUMN_TYPES = new Set(Object.keys(SQL_TYPE));

export function partitionKeys(dataset: string, date: string): { dir: string; data: string; manifest: string } {
  const dir = `${dataset}/date=${date}`;
  return { dir, data: `${dir}/${DATA_FILE}`, manifest: `${dir}/${MANIFEST_FILE}` };
}

export function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A committed partition's data file as a local path (what the embedded warehouse points DuckDB at). */
export interface CommittedFile {
  date: string;
  key: string;
  path: string;
}

/**
 * Parquet partitions on any ObjectStore. Each partition is one file built by an in-memory DuckDB and handed
 * to the store as bytes, so an S3 store gets exactly what a local one does. The commit point is the manifest:
 * a rewrite first removes the old manifest, so a crash mid-rewrite leaves the partition absent rather than an
 * old manifest describing new bytes.
 *
 * Determinism: for the same columns and rows, DuckDB (this version) writes byte-identical files (checked
 * across instances and processes), so the manifest checksum is sha256 of the Parquet bytes and equal checksums
 * mean an unchanged partition. The writer runs on one DuckDB thread so row groups never depend on scheduling.
 * A DuckDB upgrade may change the bytes (the footer names the writer version) without the rows changing.
 *
 * One writer per partition at a time (the run ledger serialises steps); readers may run concurrently.
 */
export class ParquetLake implements Lake {
  private db?: Promise<DuckDBInstance>;
  private scratch?: Promise<string>;

  /**
   * `cacheDir`: where a remote store's committed data files are kept as local copies for DuckDB (named by
   * checksum, so a rewritten partition gets a new copy); default: a directory under the OS temp dir.
   */
  constructor(readonly store: ObjectStore, private readonly options: { cacheDir?: string; downloadConcurrency?: number } = {}) {}

  async writePartition(dataset: Dataset, date: string, columns: ColumnSpec[], rows: Row[], meta: { runId: string; inputFingerprint: string }): Promise<PartitionManifest> {
    checkPartition(dataset, date);
    checkColumns(dataset, date, columns, rows);
    const keys = partitionKeys(dataset, date);
    // An empty partition is a manifest alone (most sessions publish no investor types and reject nothing):
    // it is committed and readable as [], and costs no Parquet encoding.
    const bytes = rows.length === 0 ? new Uint8Array(0) : await this.encode(dataset, date, columns, rows);
    await this.store.delete(keys.manifest);
    if (rows.length === 0) await this.store.delete(keys.data);
    else await this.store.put(keys.data, bytes);
    const manifest: PartitionManifest = {
      dataset,
      date,
      rows: rows.length,
      checksum: sha256(bytes),
      inputFingerprint: meta.inputFingerprint,
      runId: meta.runId,
      columns: columns.map((c) => ({ name: c.name, type: c.type })),
      writtenAt: new Date().toISOString(),
    };
    await this.store.put(keys.manifest, `${JSON.stringify(manifest, null, 2)}\n`);
    return manifest;
  }

  async manifest(dataset: Dataset, date: string): Promise<PartitionManifest | undefined> {
    checkPartition(dataset, date);
    const bytes = await this.store.get(partitionKeys(dataset, date).manifest);
    if (!bytes) return undefined;
    let parsed: PartitionManifest;
    try {
      parsed = JSON.parse(Buffer.from(bytes).toString('utf8')) as PartitionManifest;
    } catch (error) {
      throw new LakeIntegrityError(dataset, date, `unreadable ${MANIFEST_FILE}: ${(error as Error).message}`);
    }
    if (parsed?.dataset !== dataset || parsed.date !== date || typeof parsed.checksum !== 'string' || !Array.isArray(parsed.columns)) {
      throw new LakeIntegrityError(dataset, date, `${MANIFEST_FILE} does not describe this partition`);
    }
    return parsed;
  }

  async partitions(dataset: Dataset): Promise<string[]> {
    checkDataset(dataset);
    const prefix = `${dataset}/date=`;
    const dates: string[] = [];
    for (const key of await this.store.list(prefix)) {
      const rest = key.slice(prefix.length);
      const date = rest.slice(0, 10);
      if (rest === `${date}/${MANIFEST_FILE}` && isoDateToDays(date) !== undefined) dates.push(date);
    }
    return dates.sort();
  }

  /** Rows in written order, typed by the manifest's columns; the bytes are checked against the manifest first. */
  async readPartition(dataset: Dataset, date: string): Promise<Row[] | undefined> {
    const manifest = await this.manifest(dataset, date);
    if (!manifest) return undefined;
    if (manifest.rows === 0) return [];
    const key = partitionKeys(dataset, date).data;
    const local = this.store.localPath?.(key);
    let file = local;
    let bytes: Uint8Array | undefined;
    if (local) {
      bytes = await fs.readFile(local).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return undefined;
        throw error;
      });
    } else {
      bytes = await this.store.get(key);
    }
    if (!bytes) throw new LakeIntegrityError(dataset, date, `${MANIFEST_FILE} present but ${DATA_FILE} missing`);
    if (sha256(bytes) !== manifest.checksum) throw new LakeIntegrityError(dataset, date, `${DATA_FILE} does not match the manifest checksum`);
    if (!file) {
      file = path.join(await this.scratchDir(), `${randomUUID()}.parquet`);
      await fs.writeFile(file, bytes);
    }
    try {
      return await this.withConnection(async (c) => {
        const reader = await c.runAndReadAll(`SELECT * FROM read_parquet(${quoteString(file)}, hive_partitioning = false)`);
        const names = reader.columnNames();
        const ids = reader.columnTypes().map((t) => t.typeId);
        const columns = reader.getColumnsJS();
        const out: Row[] = new Array(reader.currentRowCount);
        for (let r = 0; r < out.length; r++) {
          const row: Row = {};
          for (let ci = 0; ci < names.length; ci++) row[names[ci]] = fromDuck(ids[ci], columns[ci][r]);
          out[r] = row;
        }
        return out;
      });
    } finally {
      if (file !== local) await fs.rm(file, { force: true });
    }
  }

  /**
   * Committed partitions' data files as local paths, by date. A local store's files are used in place; a
   * remote store's are copied into the cache once per checksum, verified against the manifest before use.
   */
  async committedFiles(dataset: Dataset): Promise<CommittedFile[]> {
    const localPath = this.store.localPath?.bind(this.store);
    const dates = await this.partitions(dataset);
    if (localPath) {
      return dates.flatMap((date) => {
        const key = partitionKeys(dataset, date).data;
        const file = localPath(key);
        return existsSync(file) ? [{ date, key, path: file }] : [];
      });
    }
    const limit = pLimit(this.options.downloadConcurrency ?? 8);
    const files = await Promise.all(dates.map((date) => limit(() => this.cachedCopy(dataset, date))));
    return files.filter((f): f is CommittedFile => f !== undefined);
  }

  private async cachedCopy(dataset: Dataset, date: string): Promise<CommittedFile | undefined> {
    const manifest = await this.manifest(dataset, date);
    if (!manifest || manifest.rows === 0) return undefined;
    const key = partitionKeys(dataset, date).data;
    const dir = path.join(this.options.cacheDir ?? path.join(await this.scratchDir(), 'cache'), dataset, `date=${date}`);
    const file = path.join(dir, `${manifest.checksum.slice(0, 32)}.parquet`);
    if (existsSync(file)) return { date, key, path: file };
    const bytes = await this.store.get(key);
    if (!bytes) throw new LakeIntegrityError(dataset, date, `${MANIFEST_FILE} present but ${DATA_FILE} missing`);
    if (sha256(bytes) !== manifest.checksum) throw new LakeIntegrityError(dataset, date, `${DATA_FILE} does not match the manifest checksum`);
    await writeFileAtomic(file, bytes);
    // Older copies of a rewritten partition are dropped so the cache holds one version per partition; temp files
    // belong to concurrent downloads (another lake or process sharing the cache) and are left to them.
    const current = path.basename(file);
    for (const name of await fs.readdir(dir).catch(() => [] as string[])) {
      if (name !== current && !name.startsWith('.tmp-') && name.endsWith('.parquet')) await fs.rm(path.join(dir, name), { force: true });
    }
    return { date, key, path: file };
  }

  async close(): Promise<void> {
    const db = this.db;
    const scratch = this.scratch;
    this.db = undefined;
    this.scratch = undefined;
    if (db) (await db).closeSync();
    if (scratch) await fs.rm(await scratch, { recursive: true, force: true });
  }

  /**
   * Rows → Parquet bytes. Strings, dates, doubles and booleans only (the wide datasets: adjusted prices,
   * features, labels) go through the streaming writer, uncompressed: a partition of 137 columns costs a few
   * milliseconds instead of a DuckDB table and COPY. Other layouts: data chunks into a temp table
   * (column-major, far cheaper than per-value appends), then COPY with zstd.
   */
  private async encode(dataset: string, date: string, columns: ColumnSpec[], rows: Row[]): Promise<Uint8Array> {
    const file = path.join(await this.scratchDir(), `${randomUUID()}.parquet`);
    const direct = writerColumns(columns);
    if (direct) {
      const converted = columnsFromRows(columns, rows);
      if ('error' in converted) throw new LakeSchemaError(dataset, date, converted.error);
      try {
        await writeParquetFile(file, direct, converted.data, rows.length, { createdBy: 'gogooku3 lake' });
        return await fs.readFile(file);
      } finally {
        await fs.rm(file, { force: true });
      }
    }
    try {
      await this.withConnection(async (c) => {
        const ddl = columns.map((col) => `${quoteIdent(col.name)} ${SQL_TYPE[col.type]}`).join(', ');
        await c.run(`CREATE OR REPLACE TEMP TABLE partition_rows (${ddl})`);
        const appender = await c.createAppender('partition_rows');
        try {
          const types = columns.map((col) => DUCK_TYPE[col.type]);
          const converters = columns.map((col) => toDuckConverter(col.type));
          for (let start = 0; start < rows.length; start += CHUNK_ROWS) {
            const count = Math.min(CHUNK_ROWS, rows.length - start);
            const chunk = DuckDBDataChunk.create(types, count);
            for (let ci = 0; ci < columns.length; ci++) {
              const name = columns[ci].name;
              const convert = converters[ci];
              const vector = chunk.getColumnVector(ci);
              // Nulls go in last: once a vector has a validity mask, every later valid item costs a BigInt
              // round trip in the client library, so valid items are written while the mask does not exist yet.
              let nulls: number[] | undefined;
              for (let r = 0; r < count; r++) {
                const value = convert(rows[start + r][name]);
                if (value === null) {
                  (nulls ??= []).push(r);
                } else if (typeof value === 'object' && 'error' in value) {
                  throw new LakeSchemaError(dataset, date, `row ${start + r}, column "${name}" (${columns[ci].type}): ${value.error}`);
                } else {
                  vector.setItem(r, value);
                }
              }
              if (nulls) for (const r of nulls) vector.setItem(r, null);
              vector.flush();
            }
            appender.appendDataChunk(chunk);
          }
          appender.flushSync();
        } finally {
          appender.closeSync();
        }
        await c.run(`COPY partition_rows TO ${quoteString(file)} (FORMAT parquet, COMPRESSION zstd)`);
        await c.run('DROP TABLE partition_rows');
      });
      return await fs.readFile(file);
    } finally {
      await fs.rm(file, { force: true });
    }
  }

  /** One connection per operation: connections on one instance run in parallel, and temp tables stay private. */
  private async withConnection<T>(fn: (c: DuckDBConnection) => Promise<T>): Promise<T> {
    // One thread: a partition is one row group, so more threads only add contention (and nondeterminism risk).
    this.db ??= DuckDBInstance.create(':memory:', { threads: '1' });
    const connection = await (await this.db).connect();
    try {
      return await fn(connection);
    } finally {
      connection.closeSync();
    }
  }

  private scratchDir(): Promise<string> {
    this.scratch ??= fs.mkdtemp(path.join(os.tmpdir(), 'g3-lake-'));
    return this.scratch;
  }
}

function checkDataset(dataset: string): void {
  if (!(DATASETS as readonly string[]).includes(dataset)) throw new LakeSchemaError(dataset, '?', `unknown dataset (known: ${DATASETS.join(', ')})`);
}

function checkPartition(dataset: string, date: string): void {
  checkDataset(dataset);
  if (typeof date !== 'string' || isoDateToDays(date) === undefined) throw new LakeSchemaError(dataset, String(date), 'partition date must be a real YYYY-MM-DD date');
}

function checkColumns(dataset: string, date: string, columns: ColumnSpec[], rows: Row[]): void {
  if (columns.length === 0) throw new LakeSchemaError(dataset, date, 'no columns declared');
  const names = new Set<string>();
  const folded = new Set<string>();
  for (const col of columns) {
    if (typeof col.name !== 'string' || col.name === '') throw new LakeSchemaError(dataset, date, 'a column has an empty name');
    // DuckDB (and most SQL engines) match column names case-insensitively.
    if (folded.has(col.name.toLowerCase())) throw new LakeSchemaError(dataset, date, `column "${col.name}" declared twice (names are case-insensitive)`);
    if (!COLUMN_TYPES.has(col.type)) throw new LakeSchemaError(dataset, date, `column "${col.name}" has unknown type ${String(col.type)}`);
    // The warehouse adds `date` from the partition when a file lacks it; a differently typed or spelled one would clash.
    if (col.name.toLowerCase() === 'date' && (col.name !== 'date' || col.type !== 'date')) {
      throw new LakeSchemaError(dataset, date, 'a column named "date" must be spelled `date` and have type date');
    }
    names.add(col.name);
    folded.add(col.name.toLowerCase());
  }
  // An undeclared key would be dropped silently; refuse it so a schema drift shows up at the writer.
  for (let r = 0; r < rows.length; r++) {
    for (const key in rows[r]) {
      if (!names.has(key)) throw new LakeSchemaError(dataset, date, `row ${r} has undeclared column "${key}"`);
    }
  }
}
