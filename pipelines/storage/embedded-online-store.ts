import fs from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from './atomic';
import { UnknownFeatureError } from './errors';
import type { OnlineStore, OnlineVector } from './types';

/** Feature set names become file names: keep them to a portable, traversal-free alphabet. */
const FEATURE_SET_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/**
 * On-disk form of one feature set. Columnar (one feature-name list, one value array per ticker) because the
 * vectors of a publish share their features and the names would otherwise repeat 4,000 times.
 */
interface FeatureSetDocument {
  format: 'gogooku3.online.v1';
  featureSet: string;
  publishedAt: string;
  features: string[];
  vectors: Array<{ ticker: string; asOf: string; runId: string; manifestVersion: string; values: Array<number | null> }>;
}

interface Loaded {
  /** Identity of the file the cache was built from; an atomic replace always yields a new inode. */
  stamp: string;
  features: string[];
  featureIndex: Map<string, number>;
  byTicker: Map<string, FeatureSetDocument['vectors'][number]>;
}

/**
 * The embedded online store: one JSON document per feature set under `<dataDir>/online/<featureSet>.json`.
 * A publish replaces the whole document with one atomic rename, so a reader (in this or another process)
 * sees the previous publish or the new one, never vectors of two runs mixed.
 */
export class EmbeddedOnlineStore implements OnlineStore {
  readonly url = 'embedded';
  readonly dir: string;
  private readonly cache = new Map<string, Loaded>();

  constructor(dataDir: string) {
    this.dir = path.join(path.resolve(dataDir), 'online');
  }

  fileFor(featureSet: string): string {
    if (!FEATURE_SET_RE.test(featureSet)) throw new Error(`feature set name ${JSON.stringify(featureSet)} must match ${FEATURE_SET_RE}`);
    return path.join(this.dir, `${featureSet}.json`);
  }

  async publish(featureSet: string, vectors: OnlineVector[]): Promise<void> {
    const file = this.fileFor(featureSet);
    const features: string[] = [];
    const seenFeatures = new Set<string>();
    const seenTickers = new Set<string>();
    for (const v of vectors) {
      // Two vectors for one ticker would make `get` depend on their order; refuse instead.
      if (seenTickers.has(v.ticker)) throw new Error(`publish ${featureSet}: ticker ${v.ticker} appears twice`);
      seenTickers.add(v.ticker);
      for (const name of Object.keys(v.values)) {
        if (!seenFeatures.has(name)) {
          seenFeatures.add(name);
          features.push(name);
        }
      }
    }
    const doc: FeatureSetDocument = {
      format: 'gogooku3.online.v1',
      featureSet,
      publishedAt: new Date().toISOString(),
      features,
      vectors: vectors.map((v) => ({
        ticker: v.ticker,
        asOf: v.asOf,
        runId: v.runId,
        manifestVersion: v.manifestVersion,
        // A feature missing from one vector, NaN or ±Infinity: no value (JSON has no NaN anyway).
        values: features.map((name) => {
          const x = v.values[name];
          return typeof x === 'number' && Number.isFinite(x) ? x : null;
        }),
      })),
    };
    await writeFileAtomic(file, JSON.stringify(doc));
    this.cache.delete(featureSet);
  }

  /** Vectors in the order of `tickers` (undefined where unknown); `features` projects and orders the values. */
  async get(featureSet: string, tickers: readonly string[], features?: readonly string[]): Promise<Array<OnlineVector | undefined>> {
    const loaded = await this.load(featureSet);
    if (!loaded) return tickers.map(() => undefined);
    const wanted = features ?? loaded.features;
    const missing = wanted.filter((name) => !loaded.featureIndex.has(name));
    if (missing.length) throw new UnknownFeatureError(featureSet, missing);
    const indexes = wanted.map((name) => loaded.featureIndex.get(name)!);
    return tickers.map((ticker) => {
      const v = loaded.byTicker.get(ticker);
      if (!v) return undefined;
      const values: Record<string, number | null> = {};
      for (let i = 0; i < wanted.length; i++) values[wanted[i]] = v.values[indexes[i]];
      return { ticker: v.ticker, asOf: v.asOf, runId: v.runId, manifestVersion: v.manifestVersion, values };
    });
  }

  async close(): Promise<void> {
    this.cache.clear();
  }

  /** Parses the document once per published version; a stat per call notices another process's publish. */
  private async load(featureSet: string): Promise<Loaded | undefined> {
    const file = this.fileFor(featureSet);
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(file, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        this.cache.delete(featureSet);
        return undefined;
      }
      throw error;
    }
    try {
      // Stat and read through one handle so the stamp and the content belong to the same file version.
      const st = await handle.stat();
      const stamp = `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`;
      const cached = this.cache.get(featureSet);
      if (cached?.stamp === stamp) return cached;
      const doc = JSON.parse(await handle.readFile('utf8')) as FeatureSetDocument;
      if (doc.format !== 'gogooku3.online.v1' || doc.featureSet !== featureSet) throw new Error(`${file} is not a ${featureSet} feature set document`);
      const loaded: Loaded = {
        stamp,
        features: doc.features,
        featureIndex: new Map(doc.features.map((name, i) => [name, i])),
        byTicker: new Map(doc.vectors.map((v) => [v.ticker, v])),
      };
      this.cache.set(featureSet, loaded);
      return loaded;
    } finally {
      await handle.close();
    }
  }
}
