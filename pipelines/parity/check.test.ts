import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../config/config';
import { openStores, type Stores } from '../storage';
import type { ColumnSpec, Row } from '../storage/types';
import { ParityDataError, runParityCheck } from './check';

const DATE = '2024-06-14';
const COLUMNS: ColumnSpec[] = [{ name: 'ticker', type: 'string' }, { name: 'date', type: 'date' }, { name: 'manifest_version', type: 'string' }, { name: 'rsi_14', type: 'double' }, { name: 'returns_1d', type: 'double' }];
const rows: Row[] = Array.from({ length: 40 }, (_, i) => ({ ticker: `${1300 + i}`, date: DATE, manifest_version: '2.0.0', rsi_14: 30 + i, returns_1d: i % 7 === 0 ? null : (i - 20) / 1000 }));

describe('runParityCheck on the embedded stores (DuckDB over the lake, JSON online store)', () => {
  let dir: string;
  let stores: Stores;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'g3-parity-'));
    stores = await openStores(loadConfig({ GOGOOKU3_DATA_DIR: dir }));
    await stores.lake.writePartition('features', DATE, COLUMNS, rows, { runId: 'run-1', inputFingerprint: 'f' });
  });
  afterAll(async () => {
    await stores.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const publish = (values: (r: Row) => Record<string, number | null>, asOf = DATE) => stores.online.publish('default', rows.map((r) => ({ ticker: String(r.ticker), asOf, runId: 'run-1', manifestVersion: '2.0.0', values: values(r) })));

  it('passes when serving holds the DWH values; records the ledger entry and the report object', async () => {
    await publish((r) => ({ rsi_14: r.rsi_14 as number, returns_1d: r.returns_1d as number | null }));
    const result = await runParityCheck(stores, { date: DATE, featureSet: 'default', runId: 'check-1' });
    expect(result.report).toMatchObject({ pass: true, tickers: 40, exactMatchRate: 1, maxPsi: 0 });
    expect(result.report.features.map((f) => f.feature)).toEqual(['returns_1d', 'rsi_14']);
    expect(result.onlineRunIds).toEqual(['run-1']);
    expect(await stores.warehouse.lastEntry('parity', DATE)).toMatchObject({ runId: 'check-1', status: 'succeeded', rowsIn: 40, rowsOut: 2, error: null });
    const stored = JSON.parse(Buffer.from((await stores.objectStore.get(result.reportKey))!).toString('utf8'));
    expect(stored.report.pass).toBe(true);
  });

  it('samples deterministically by seed and restricts to the features asked for', async () => {
    const a = await runParityCheck(stores, { date: DATE, featureSet: 'default', runId: 'check-2', sample: 5, features: ['rsi_14'] });
    const b = await runParityCheck(stores, { date: DATE, featureSet: 'default', runId: 'check-3', sample: 5, features: ['rsi_14'] });
    expect(a.sampled).toHaveLength(5);
    expect(b.sampled).toEqual(a.sampled);
    expect(a.report.features.map((f) => f.feature)).toEqual(['rsi_14']);
  });

  it.each<[string, (r: Row) => Record<string, number | null>, string | undefined, RegExp]>([
    ['a shifted feature', (r) => ({ rsi_14: (r.rsi_14 as number) + 25, returns_1d: r.returns_1d as number | null }), undefined, /rsi_14/],
    ['a feature gone null in serving', (r) => ({ rsi_14: r.rsi_14 as number, returns_1d: null }), undefined, /returns_1d/],
    ['serving a day behind', (r) => ({ rsi_14: r.rsi_14 as number, returns_1d: r.returns_1d as number | null }), '2024-06-13', /stale/],
  ])('fails on %s and says which', async (_name, values, asOf, reason) => {
    await publish(values, asOf);
    const result = await runParityCheck(stores, { date: DATE, featureSet: 'default', runId: 'check-bad' });
    expect(result.report.pass).toBe(false);
    expect(result.report.failures.join('\n')).toMatch(reason);
    expect(await stores.warehouse.lastEntry('parity', DATE)).toMatchObject({ status: 'failed', error: expect.stringMatching(reason) });
  });

  it.each<[string, Parameters<typeof runParityCheck>[1], RegExp]>([
    ['a date without DWH rows', { date: '2024-06-13', featureSet: 'default', runId: 'x' }, /has no feature rows for 2024-06-13/],
    ['an unknown feature', { date: DATE, featureSet: 'default', runId: 'x', features: ['rsi_99'] }, /--features: the DWH has no column\(s\) rsi_99/],
    ['a malformed date', { date: "2024-06-14' OR 1=1 --", featureSet: 'default', runId: 'x' }, /date must be YYYY-MM-DD/],
  ])('refuses %s with a ParityDataError', async (_name, options, message) => {
    const error = await runParityCheck(stores, options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ParityDataError);
    expect((error as Error).message).toMatch(message);
  });
});
