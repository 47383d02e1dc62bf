import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { findBinary } from '../../test/helpers/binaries';
import { variantQueries } from './prometheus';

/**
 * The analysis queries evaluated by Prometheus' own engine (`promtool test rules`) over series shaped like
 * the router's: the PromQL parses, the histogram and counter arithmetic comes out as the analysis expects,
 * and a variant without series yields nothing (no data) rather than 0.
 */
const promtool = findBinary('promtool', 'PROMTOOL');
const run = promtool ? it : it.skip;

const labels = (variant: string, extra: string) => `{model="m",version="${variant === 'champion' ? 3 : 4}",variant="${variant}",${extra}}`;

run('promtool evaluates the queries to the expected p95, error rate and request count', async () => {
  const fiveMinutes = 5 * 60_000;
  const ch = variantQueries('m', 'challenger', fiveMinutes);
  const champ = variantQueries('m', 'champion', fiveMinutes);
  const none = variantQueries('absent-model', 'challenger', fiveMinutes);
  const tests = {
    rule_files: [],
    evaluation_interval: '1m',
    tests: [{
      interval: '1m',
      input_series: [
        // Challenger: 60 requests a minute, 6 of them errors, every one between 50 and 100 ms.
        { series: `inference_requests_total${labels('challenger', 'code="200"')}`, values: '0+54x10' },
        { series: `inference_requests_total${labels('challenger', 'code="500"')}`, values: '0+6x10' },
        { series: `inference_errors_total${labels('challenger', 'reason="backend_error"')}`, values: '0+6x10' },
        { series: `inference_request_duration_seconds_bucket${labels('challenger', 'le="0.05"')}`, values: '0+0x10' },
        { series: `inference_request_duration_seconds_bucket${labels('challenger', 'le="0.1"')}`, values: '0+60x10' },
        { series: `inference_request_duration_seconds_bucket${labels('challenger', 'le="+Inf"')}`, values: '0+60x10' },
        // Champion: requests but no error series at all (the router creates it at the first error).
        { series: `inference_requests_total${labels('champion', 'code="200"')}`, values: '0+120x10' },
      ],
      promql_expr_test: [
        { expr: ch.p95Seconds, eval_time: '10m', exp_samples: [{ labels: '{}', value: 0.0975 }] },
        { expr: ch.errorRate, eval_time: '10m', exp_samples: [{ labels: '{}', value: 0.1 }] },
        { expr: ch.requests, eval_time: '10m', exp_samples: [{ labels: '{}', value: 300 }] },
        { expr: champ.errorRate, eval_time: '10m', exp_samples: [{ labels: '{}', value: 0 }] },
        { expr: champ.requests, eval_time: '10m', exp_samples: [{ labels: '{}', value: 600 }] },
        // No series: every query is empty, which the analysis reads as no data.
        { expr: none.p95Seconds, eval_time: '10m', exp_samples: [] },
        { expr: none.errorRate, eval_time: '10m', exp_samples: [] },
        { expr: none.requests, eval_time: '10m', exp_samples: [] },
      ],
    }],
  };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'promql-'));
  try {
    const file = path.join(dir, 'queries.test.yaml');
    fs.writeFileSync(file, stringify(tests, { lineWidth: 0 }));
    const result = await promisify(execFile)(promtool!, ['test', 'rules', file]).catch((error: { stdout?: string; stderr?: string }) => error);
    expect(`${result.stdout ?? ''}${result.stderr ?? ''}`).toMatch(/SUCCESS/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
