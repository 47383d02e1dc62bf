import type { Config } from '../config/config';
import type { PipelineContext } from './context';
import type { RunReport } from './pipeline';
import { minutesSinceClose } from './session';
import type { Stores } from './build';

export interface RunSummary {
  pipeline: string;
  runId: string;
  sessions: { count: number; first: string; last: string };
  steps: Record<string, { succeeded: number; skipped: number; failed: number }>;
  rows: { fetched: number; valid: number; quarantined: number };
  quarantinedByRule: Record<string, number>;
  features: { names: number; rowsLastSession: number };
  published: { date: string; vectors: number } | null;
  /** Minutes from the published session's close to the end of the run (the SLI counts from the data's availability instead). */
  minutesAfterClose: number | null;
  failures: Array<{ step: string; partition: string; error: string }>;
  outputs: { lake: string; warehouse: string; online: string; metrics: string };
  durationSeconds: number;
}

const esc = (s: string) => s.replace(/'/g, "''");

export async function runSummary(ctx: PipelineContext, stores: Stores, report: RunReport, meta: { pipeline: string; startedAt: number; config: Config }): Promise<RunSummary> {
  const steps: RunSummary['steps'] = {};
  let fetched = 0;
  let valid = 0;
  for (const r of report.results) {
    const s = (steps[r.step] ??= { succeeded: 0, skipped: 0, failed: 0 });
    s[r.status] += 1;
    if (r.step === 'fetch' && r.outcome) fetched += r.outcome.rowsIn;
    if (r.step === 'validate' && r.outcome) valid += r.outcome.rowsOut;
  }
  const first = report.dates[0];
  const last = report.dates[report.dates.length - 1];
  const byRule: Record<string, number> = {};
  const quarantineRows = await stores.lakeSql.query(`SELECT rule, count(*) AS n FROM quarantine WHERE date BETWEEN DATE '${esc(first)}' AND DATE '${esc(last)}' GROUP BY rule ORDER BY n DESC`).catch(() => []);
  for (const q of quarantineRows) byRule[String(q.rule)] = Number(q.n);
  const lastFeatures = await ctx.lake.readPartition('features', last);
  const featureNames = lastFeatures?.[0] ? Object.keys(lastFeatures[0]).filter((k) => !['ticker', 'date', 'manifest_version'].includes(k)).length : 0;
  return {
    pipeline: meta.pipeline,
    runId: report.runId,
    sessions: { count: report.dates.length, first, last },
    steps,
    rows: { fetched, valid, quarantined: Object.values(byRule).reduce((a, b) => a + b, 0) },
    quarantinedByRule: byRule,
    features: { names: featureNames, rowsLastSession: lastFeatures?.length ?? 0 },
    published: report.published ?? null,
    minutesAfterClose: report.published ? Math.round(minutesSinceClose(ctx.calendar, report.published.date, ctx.now())) : null,
    failures: report.failed.map((f) => ({ step: f.step, partition: f.partition, error: f.error ?? '' })),
    // Store URLs as the stores print them: passwords masked.
    outputs: { lake: stores.objectStore.url, warehouse: stores.warehouse.url, online: meta.config.onlineStore === 'embedded' ? `${meta.config.dataDir}/online` : stores.online.url, metrics: `${meta.config.dataDir}/metrics/gogooku3.prom` },
    durationSeconds: Math.round((Date.now() - meta.startedAt) / 100) / 10,
  };
}

export function formatRunSummary(s: RunSummary): string {
  const stepLine = Object.entries(s.steps).map(([step, c]) => `${step} ${c.succeeded}✓ ${c.skipped}↷${c.failed ? ` ${c.failed}✗` : ''}`).join('  ');
  const rules = Object.entries(s.quarantinedByRule).map(([r, n]) => `${r}=${n}`).join(', ');
  const lines = [
    `gogooku3 run ${s.pipeline} — run ${s.runId} (${s.durationSeconds} s)`,
    `sessions:    ${s.sessions.count} (${s.sessions.first} … ${s.sessions.last})`,
    `steps:       ${stepLine}   (✓ ran, ↷ skipped: done before with the same inputs, ✗ failed)`,
    `rows:        ${s.rows.fetched} fetched, ${s.rows.valid} valid, ${s.rows.quarantined} quarantined${rules ? ` (${rules})` : ''}`,
    `features:    ${s.features.names} features × ${s.features.rowsLastSession} tickers on ${s.sessions.last}`,
    `online:      ${s.published ? `${s.published.vectors} vectors as of ${s.published.date}, ${s.minutesAfterClose} min after the close` : 'not published'}`,
    ...s.failures.map((f) => `FAILED       ${f.step} ${f.partition}: ${f.error}`),
    `outputs:     lake ${s.outputs.lake}`,
    `             warehouse ${s.outputs.warehouse}, online ${s.outputs.online}, metrics ${s.outputs.metrics}`,
    `query:       gogooku3 query "SELECT ticker, date, rsi_14 FROM features WHERE date = DATE '${s.sessions.last}' ORDER BY rsi_14 DESC LIMIT 5"`,
    `ledger:      gogooku3 query "SELECT step, status, count(*) FROM run_ledger WHERE run_id = '${s.runId}' GROUP BY ALL"`,
  ];
  return `${lines.join('\n')}\n`;
}
