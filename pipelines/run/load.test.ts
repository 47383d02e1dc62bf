import type { LedgerEntry, Row } from '../storage/types';
import { contentChecksum } from './fingerprint';
import { ledgerVerifier, promotable } from './load';
import type { TaskResult } from './tasks';

const result = (step: string, partition: string, status: TaskResult['status']): TaskResult => ({ step, partition, status, outputChecksum: status === 'failed' ? null : 'x', durationMs: 1 });
const producer = (over: Partial<LedgerEntry> = {}): LedgerEntry => ({
  runId: 'r', step: 'features', partition: '2024-06-03', status: 'succeeded', attempts: 1, inputFingerprint: 'f', outputChecksum: 'c',
  rowsIn: 1, rowsOut: 1, rowsQuarantined: 0, startedAt: '2024-06-03T07:00:00Z', finishedAt: '2024-06-03T07:01:00Z', error: null, ...over,
});

describe('promotable (the quality gate before a DWH load)', () => {
  it.each<[string, TaskResult[], LedgerEntry | undefined, RegExp | null]>([
    ['every step passed', [result('fetch', '2024-06-03', 'succeeded'), result('features', '2024-06-03', 'succeeded')], producer(), null],
    ['steps skipped as already done', [result('validate', '2024-06-03', 'skipped'), result('features', '2024-06-03', 'skipped')], producer(), null],
    ['a failure on another date does not count', [result('validate', '2024-06-04', 'failed')], producer(), null],
    ['validation failed (quarantine threshold)', [result('validate', '2024-06-03', 'failed')], producer(), /quality gate: validate failed for 2024-06-03/],
    ['several steps failed', [result('adjust', '2024-06-03', 'failed'), result('features', '2024-06-03', 'failed')], producer(), /adjust, features failed/],
    ['no producer entry', [], undefined, /no succeeded producer entry/],
    ['producer still running (a crash)', [], producer({ status: 'running', outputChecksum: null }), /no succeeded features entry/],
    ['producer failed in an earlier run', [], producer({ status: 'failed', outputChecksum: null }), /no succeeded features entry/],
  ])('%s', (_name, results, entry, reason) => {
    const gate = promotable(results, entry, '2024-06-03');
    if (reason === null) expect(gate).toEqual({ ok: true });
    else expect(gate).toEqual({ ok: false, reason: expect.stringMatching(reason) });
  });
});

describe('ledgerVerifier', () => {
  const rows: Row[] = [{ ticker: '1301', date: '2024-06-03', rsi_14: 55.5, flag: true }, { ticker: '1332', date: '2024-06-03', rsi_14: null, flag: false }];
  const verify = ledgerVerifier(new Map([['2024-06-03', producer({ outputChecksum: contentChecksum(rows, ['ticker']) })]]));

  it.each<[string, Row[], boolean]>([
    ['the same rows', rows, true],
    ['the same rows in another order (content, not order)', [rows[1], rows[0]], true],
    ['NaN where the ledger saw null (the lake stores both as NULL)', [rows[0], { ...rows[1], rsi_14: Number.NaN }], true],
    ['one value off by one ulp', [{ ...rows[0], rsi_14: 55.50000000000001 }, rows[1]], false],
    ['a row missing', [rows[0]], false],
    ['a boolean flipped', [rows[0], { ...rows[1], flag: true }], false],
  ])('%s', (_name, loaded, ok) => {
    const problem = verify('2024-06-03', loaded);
    if (ok) expect(problem).toBeNull();
    else expect(problem).toMatch(/^content checksum [0-9a-f]{12}… differs from the ledger's [0-9a-f]{12}…$/);
  });

  it('a date the run has no producer entry for never verifies', () => {
    expect(verify('2024-06-04', rows)).toMatch(/differs from the ledger's undefined/);
  });
});
