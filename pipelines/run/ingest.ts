import { loadContract } from '../../contracts/loader';
import { decideQuarantine, validateRows } from '../../contracts/validate';
import type { EndpointName } from '../sources/jquants';
import type { ColumnSpec, Dataset, Row } from '../storage/types';
import { readFromPrevious, writeForNext, type PipelineContext } from './context';
import {
  QUARANTINE, RAW_DAILY_BARS, RAW_DIVIDENDS, RAW_INVESTOR_TYPES, RAW_LISTED_INFO, RAW_REJECTED, VALIDATED_PRICES,
} from './datasets';
import { contentChecksum, fingerprint, PROCESSING_COLUMNS } from './fingerprint';
import type { PartitionTask, TaskOutcome } from './tasks';

/** Raw data of one session: what J-Quants said, stored as said (plus processing columns). */
const RAW: Array<{ endpoint: EndpointName; dataset: Dataset; columns: ColumnSpec[]; key: string[]; params: (date: string) => Record<string, string> }> = [
  { endpoint: 'daily_bars', dataset: 'raw_daily_bars', columns: RAW_DAILY_BARS, key: ['code', 'date'], params: (date) => ({ date }) },
  { endpoint: 'listed_info', dataset: 'raw_listed_info', columns: RAW_LISTED_INFO, key: ['code', 'date'], params: (date) => ({ date }) },
  // Investor types land in the partition of their publication date; a run as of D sees partitions before D.
  { endpoint: 'investor_types', dataset: 'raw_investor_types', columns: RAW_INVESTOR_TYPES, key: ['section', 'start_date', 'end_date', 'published_date'], params: (date) => ({ from: date, to: date }) },
];

/** Dividends, by announcement date; a Premium-plan endpoint, so fetched only when dividend adjustment is on. */
const DIVIDENDS = { endpoint: 'dividends' as EndpointName, dataset: 'raw_dividends' as Dataset, columns: RAW_DIVIDENDS, key: ['code', 'reference_number', 'announcement_date'], params: (date: string) => ({ date }) };
const rawFor = (ctx: PipelineContext) => (ctx.dividendAdjustment === 'total_return' ? [...RAW, DIVIDENDS] : RAW);

/** Validation of one session: each raw dataset against its contract. */
const CHECKS: Array<{ raw: Dataset; contract: string; validated: Dataset; columns: ColumnSpec[] | 'raw'; key: string[]; toContract: (row: Row) => Row }> = [
  { raw: 'raw_daily_bars', contract: 'price_data', validated: 'validated_prices', columns: VALIDATED_PRICES, key: ['ticker', 'date'], toContract: ({ code, ...rest }) => ({ ticker: code, ...rest }) },
  { raw: 'raw_listed_info', contract: 'listed_info', validated: 'validated_listed_info', columns: 'raw', key: ['ticker', 'date'], toContract: ({ code, ...rest }) => ({ ticker: code, ...rest }) },
  { raw: 'raw_investor_types', contract: 'investor_types', validated: 'validated_investor_types', columns: 'raw', key: ['section', 'start_date', 'end_date', 'published_date'], toContract: (row) => row },
];

/** The quarantined record as the source sent it: processing-time columns live on the quarantine row itself. */
const withoutProcessing = (record: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(record).filter(([k]) => !PROCESSING_COLUMNS.has(k)));

/** Contract files do not change while a process runs; compile each once. */
const compiled = new Map<string, ReturnType<typeof loadContract>>();
const contractNamed = (name: string) => {
  let contract = compiled.get(name);
  if (!contract) compiled.set(name, (contract = loadContract(name)));
  return contract;
};

const stamp = (rows: Row[], ctx: PipelineContext): Row[] => {
  const at = ctx.now().toISOString();
  return rows.map((row) => ({ ...row, _ingested_at: at, run_id: ctx.runId }));
};

export function fetchTask(ctx: PipelineContext, date: string): PartitionTask {
  return {
    step: 'fetch',
    partition: date,
    inputFingerprint: fingerprint('fetch@1', date, ctx.sourceId, ctx.dividendAdjustment),
    async run(): Promise<TaskOutcome> {
      const raws = rawFor(ctx);
      const results = await Promise.all(raws.map((raw) => ctx.source.fetch(raw.endpoint, raw.params(date))));
      const bars = results[raws.findIndex((r) => r.endpoint === 'daily_bars')];
      // A session without a single bar is a gap at the source, not an empty market: fail it, a later run retries.
      if (bars.rows.length + bars.rejected.length === 0) throw new MissingSessionError(date);
      const checksums: string[] = [];
      let rowsOut = 0;
      const rejected: Row[] = [];
      for (const [i, raw] of raws.entries()) {
        const result = results[i];
        // Dividends are read later through the warehouse, not by the next step.
        if (raw === DIVIDENDS) await ctx.lake.writePartition(raw.dataset, date, raw.columns, stamp(result.rows, ctx), { runId: ctx.runId, inputFingerprint: date });
        else await writeForNext(ctx, raw.dataset, date, raw.columns, stamp(result.rows, ctx), date);
        checksums.push(contentChecksum(result.rows, raw.key));
        rowsOut += result.rows.length;
        for (const r of result.rejected) rejected.push({ endpoint: r.endpoint, index: r.index, issues: JSON.stringify(r.issues), record: JSON.stringify(r.record) });
      }
      await writeForNext(ctx, 'raw_rejected', date, RAW_REJECTED, stamp(rejected, ctx), date);
      checksums.push(contentChecksum(rejected, ['endpoint', 'index']));
      return { rowsIn: rowsOut + rejected.length, rowsOut, rowsQuarantined: rejected.length, outputChecksum: fingerprint(checksums) };
    },
  };
}

export class MissingSessionError extends Error {
  constructor(readonly date: string) {
    super(`daily_bars: no rows at all for session ${date} (missing day at the source)`);
    this.name = 'MissingSessionError';
  }
}

/** Thrown when a session's quarantined share is over the threshold: the partition fails, quarantine is kept. */
export class QuarantineThresholdError extends Error {
  constructor(readonly contract: string, readonly ratio: number, readonly maxRatio: number, readonly byRule: Record<string, number>) {
    super(`${contract}: ${(ratio * 100).toFixed(2)} % of rows quarantined (max ${(maxRatio * 100).toFixed(2)} %): ${Object.entries(byRule).map(([r, n]) => `${r}=${n}`).join(', ')}`);
    this.name = 'QuarantineThresholdError';
  }
}

const columnsOf = (dataset: Dataset): ColumnSpec[] =>
  dataset === 'raw_listed_info' ? RAW_LISTED_INFO : dataset === 'raw_investor_types' ? RAW_INVESTOR_TYPES : RAW_DAILY_BARS;

export function validateTask(ctx: PipelineContext, date: string, fetchChecksum: string): PartitionTask {
  return {
    step: 'validate',
    partition: date,
    inputFingerprint: fingerprint('validate@1', date, fetchChecksum, CHECKS.map((c) => contractNamed(c.contract).id), ctx.maxQuarantineRatio ?? null),
    async run(): Promise<TaskOutcome> {
      const quarantine: Row[] = [];
      const at = ctx.now().toISOString();
      for (const r of await readFromPrevious(ctx, 'raw_rejected', date)) {
        const issues = JSON.parse(String(r.issues)) as Array<{ field: string; rule: string; value: unknown; message: string }>;
        for (const issue of issues) {
          quarantine.push({ contract: `wire:${r.endpoint}`, stage: 'wire', row: Number(r.index) + 1, rule: issue.rule, field: issue.field, value: issue.value === undefined ? null : JSON.stringify(issue.value), message: issue.message, record: r.record, _ingested_at: at, run_id: ctx.runId });
        }
      }
      const checksums: string[] = [];
      let rowsIn = 0;
      let rowsOut = 0;
      let rowsQuarantined = quarantine.length;
      let failure: QuarantineThresholdError | undefined;
      const outputs: Array<{ dataset: Dataset; columns: ColumnSpec[]; rows: Row[] }> = [];
      for (const check of CHECKS) {
        const raw = await readFromPrevious(ctx, check.raw, date);
        const contract = contractNamed(check.contract);
        const result = validateRows(contract, raw.map(check.toContract), { calendar: ctx.calendar });
        for (const q of result.quarantined) {
          for (const issue of q.issues) {
            quarantine.push({ contract: contract.id, stage: 'contract', row: q.row, rule: issue.rule, field: issue.field, value: issue.value === undefined || issue.value === null ? null : typeof issue.value === 'string' ? issue.value : JSON.stringify(issue.value), message: issue.message, record: JSON.stringify(withoutProcessing(q.record)), _ingested_at: at, run_id: ctx.runId });
          }
        }
        if (result.quarantined.length > 0) ctx.onViolations?.(contract.id, result.counts.byRule);
        rowsIn += raw.length;
        rowsQuarantined += result.counts.quarantined;
        const decision = decideQuarantine(result, ctx.maxQuarantineRatio ?? contract.maxRatio);
        if (decision.status === 'fail') failure ??= new QuarantineThresholdError(contract.id, decision.ratio, ctx.maxQuarantineRatio ?? contract.maxRatio, result.counts.byRule);
        const columns = check.columns === 'raw' ? columnsOf(check.raw).filter((c) => c.name !== '_ingested_at' && c.name !== 'run_id').map((c) => (c.name === 'code' ? { ...c, name: 'ticker' } : c)) : check.columns;
        const rows = result.valid.map((row) => Object.fromEntries(columns.map((c) => [c.name, row[c.name] ?? null])) as Row);
        outputs.push({ dataset: check.validated, columns, rows });
        checksums.push(contentChecksum(rows, check.key));
        rowsOut += rows.length;
      }
      // Quarantine is written whatever happens: bad rows are never lost, even when the session then fails.
      await ctx.lake.writePartition('quarantine', date, QUARANTINE, quarantine, { runId: ctx.runId, inputFingerprint: fetchChecksum });
      if (failure) throw failure;
      for (const out of outputs) {
        // Adjust reads prices and listings next; investor types are read later through the warehouse.
        if (out.dataset === 'validated_investor_types') await ctx.lake.writePartition(out.dataset, date, out.columns, out.rows, { runId: ctx.runId, inputFingerprint: fetchChecksum });
        else await writeForNext(ctx, out.dataset, date, out.columns, out.rows, fetchChecksum);
      }
      // With dividend adjustment, the fetched dividends (not validated here) must reach the fingerprint chain too.
      return { rowsIn, rowsOut, rowsQuarantined, outputChecksum: fingerprint(checksums, ctx.dividendAdjustment === 'total_return' ? fetchChecksum : null) };
    },
  };
}
