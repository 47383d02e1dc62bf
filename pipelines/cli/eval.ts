import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { evaluate, PREDICTION_COLUMNS, PredictionsCsvError, readPredictionsCsv } from '../models/metrics';
import type { EvalMetrics } from '../models/types';
import { action, CliError, formatOption, subcommand, type CliContext, type OutputFormat } from './context';

const METRIC_KEYS = ['ic', 'rank_ic', 'icir', 'rmse', 'sharpe', 'jpx_sharpe'] as const satisfies ReadonlyArray<keyof EvalMetrics>;

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'is a directory' : e.code === 'EACCES' ? 'permission denied' : undefined;
    if (why) throw new CliError(`--predictions: ${file}: ${why}`, 2);
    throw new Error(`reading ${file}`, { cause: error });
  }
}

function formatText(metrics: EvalMetrics, rows: number, usable: number, dates: number): string {
  const lines = METRIC_KEYS.map((key) => `${key.padEnd(11)} ${metrics[key] === null ? 'n/a' : metrics[key]!.toFixed(6)}`);
  lines.push(`(${usable} of ${rows} rows with finite prediction and target, ${dates} dates)`);
  return `${lines.join('\n')}\n`;
}

export function evalCommand(ctx: CliContext): Command {
  const cmd = subcommand('eval', 'evaluate model predictions');
  cmd.addCommand(subcommand('metrics', 'IC, rank IC, ICIR, RMSE, top-minus-bottom quintile Sharpe (×√245) and the JPX competition Sharpe of a predictions CSV (definitions: pipelines/models/metrics.ts)')
    .requiredOption('--predictions <file>', `CSV with the columns ${PREDICTION_COLUMNS.join(',')} (any order, others ignored; an empty or NaN prediction/target drops the row)`)
    .addOption(formatOption())
    .action(action(ctx, async (opts: { predictions: string; format: OutputFormat }) => {
      const text = await readText(opts.predictions);
      let parsed: ReturnType<typeof readPredictionsCsv>;
      try {
        parsed = readPredictionsCsv(text);
      } catch (error) {
        if (error instanceof PredictionsCsvError) throw new CliError(`${opts.predictions}: ${error.message}`, 65);
        throw error;
      }
      const metrics = evaluate(parsed.dates, parsed.prediction, parsed.target);
      if (opts.format === 'json') {
        ctx.out(`${JSON.stringify(Object.fromEntries(METRIC_KEYS.map((key) => [key, metrics[key]])), null, 2)}\n`);
      } else {
        let usable = 0;
        const dates = new Set<string>();
        for (let i = 0; i < parsed.dates.length; i++) {
          if (Number.isFinite(parsed.prediction[i]) && Number.isFinite(parsed.target[i])) { usable++; dates.add(parsed.dates[i]); }
        }
        ctx.out(formatText(metrics, parsed.dates.length, usable, dates.size));
      }
      return 0;
    })));
  return cmd;
}
