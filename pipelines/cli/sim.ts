import { InvalidArgumentError, Option, type Command } from 'commander';
import {
  FAULT_KINDS, SimOptionsError, buildWorld, createSimulator, truthSummary,
  type FaultKind, type TruthSummary,
} from '../sources/jquants/sim';
import { action, CliError, formatOption, intArg, isoDateArg, numberArg, subcommand, type CliContext, type OutputFormat, untilSignal } from './context';

function faultKindsArg(value: string): FaultKind[] {
  const kinds = value.split(',').map((k) => k.trim()).filter(Boolean);
  const unknown = kinds.filter((k) => !(FAULT_KINDS as readonly string[]).includes(k));
  if (kinds.length === 0 || unknown.length > 0) {
    throw new InvalidArgumentError(`--fault-kinds: expected a comma-separated list of ${FAULT_KINDS.join(', ')}, got ${JSON.stringify(value)}`);
  }
  return kinds as FaultKind[];
}

/** Option parsers report through commander (a usage error, exit 2) rather than as an action failure. */
const dateArg = (name: string) => (value: string): string => {
  try {
    return isoDateArg(name, value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
};

/** Options that define the simulated market; serve and truth must agree on them to describe the same market. */
function marketOptions(cmd: Command, historyFlag: string): Command {
  return cmd
    .option('--seed <n>', 'random seed: the same seed serves the same market', intArg('--seed', 0, 0xffffffff), 1)
    .option('--codes <n>', 'universe size (listed codes over the whole history)', intArg('--codes', 1, 8000), 4000)
    .option(`${historyFlag} <date>`, 'first date of the simulated history, YYYY-MM-DD', dateArg(historyFlag), '2016-01-04')
    .option('--as-of <date>', "the simulator's today: no data after it (default: today in Asia/Tokyo)", dateArg('--as-of'))
    .option('--signal-ic <x>', 'strength of the planted predictive signal (IC against the idiosyncratic return)', numberArg('--signal-ic', -0.9, 0.9), 0.05);
}

interface MarketOpts { seed: number; codes: number; asOf?: string; signalIc: number }

interface ServeOpts extends MarketOpts {
  port: number; host: string; from: string; pageSize: number; faultRate: number; badRowRate: number; faultKinds?: FaultKind[]; slowMs: number;
  retryAfter: number; maxRangeDays: number; mailAddress?: string; password?: string; apiKey?: string;
  idTokenTtl?: number; refreshTokenTtl?: number; publishLagMinutes?: number;
}

interface TruthOpts extends MarketOpts { historyFrom: string; from?: string; to?: string; signalsDate?: string; format: OutputFormat }

/** Surfaces invalid option combinations (e.g. --as-of before --from) as usage errors. */
function usage<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof SimOptionsError) throw new CliError(error.message);
    throw error;
  }
}

function truthText(s: TruthSummary): string {
  const lines = [
    `signal: ${s.signal.definition}`,
    `target: ${s.signal.target}`,
    `seed ${s.signal.seed}, signalIc ${s.signal.signalIc}, phi ${s.signal.phi}`,
    `window ${s.from} .. ${s.to}: ${s.days} sessions with a realised IC`,
    `mean IC ${s.meanIc ?? '-'}, IC std ${s.icStd ?? '-'}, t-stat ${s.tStat ?? '-'}`,
  ];
  const years = new Map<string, number[]>();
  for (const d of s.dates) if (d.ic !== null) (years.get(d.date.slice(0, 4)) ?? years.set(d.date.slice(0, 4), []).get(d.date.slice(0, 4))!).push(d.ic);
  for (const [year, ics] of years) lines.push(`  ${year}: mean IC ${(ics.reduce((a, b) => a + b, 0) / ics.length).toFixed(4)} over ${ics.length} sessions`);
  if (s.signals) {
    lines.push(`signals on ${s.signals.date} (${s.signals.values.length} codes):`);
    for (const v of s.signals.values) lines.push(`  ${v.code} ${v.value}`);
  }
  return `${lines.join('\n')}\n`;
}

export function simCommand(ctx: CliContext): Command {
  const sim = subcommand('sim', 'Simulators of external services, for development and tests');

  // `sim jquants [options]` serves (the default subcommand); `sim jquants truth` describes the same market.
  // jquants itself has no options: commander hands a parent's options to it even after a subcommand name.
  const jquants = subcommand('jquants', 'J-Quants-compatible simulator: `sim jquants [serve options]` or `sim jquants truth [options]`');
  const serve = marketOptions(
    subcommand('serve', 'Serve a deterministic J-Quants-compatible API (v1 + v2) until SIGINT/SIGTERM (the default)'),
    '--from',
  )
    .option('--port <n>', 'TCP port (0 picks a free one)', intArg('--port', 0, 65535), 0)
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--page-size <n>', 'rows per page before a pagination_key is returned', intArg('--page-size', 1), 5000)
    .option('--fault-rate <x>', 'share of data requests that misbehave', numberArg('--fault-rate', 0, 1), 0)
    .option('--bad-row-rate <x>', 'share of daily bars served broken (high < low, negative volume, a non-number)', numberArg('--bad-row-rate', 0, 1), 0)
    .addOption(new Option('--fault-kinds <list>', `comma-separated subset of ${FAULT_KINDS.join(',')}`).argParser(faultKindsArg))
    .option('--slow-ms <n>', 'delay of a "slow" fault', intArg('--slow-ms', 0, 600_000), 1500)
    .option('--retry-after <s>', 'Retry-After seconds of a 429 fault', intArg('--retry-after', 0, 3600), 1)
    .option('--max-range-days <n>', 'wider from/to ranges get 413', intArg('--max-range-days', 1), 3660)
    .option('--mail-address <mail>', 'v1 login mail address the simulator accepts (default sim@example.com)')
    .option('--password <password>', 'v1 password the simulator accepts (default sim-password)')
    .option('--api-key <key>', 'v2 API key the simulator accepts (default sim-api-key)')
    .option('--id-token-ttl <s>', 'v1 id token lifetime in seconds', intArg('--id-token-ttl', 1), undefined)
    .option('--refresh-token-ttl <s>', 'v1 refresh token lifetime in seconds', intArg('--refresh-token-ttl', 1), undefined)
    .option('--publish-lag-minutes <n>', 'serve a session\'s daily bars only this long after its close, by the wall clock, as J-Quants publishes them (default: all at once)', intArg('--publish-lag-minutes', 0, 1440))
    .action(action(ctx, async (opts: ServeOpts) => {
      const simulator = usage(() => createSimulator({
        seed: opts.seed, codes: opts.codes, from: opts.from, asOf: opts.asOf, signalIc: opts.signalIc,
        pageSize: opts.pageSize, faultRate: opts.faultRate, badRowRate: opts.badRowRate, faultKinds: opts.faultKinds, slowMs: opts.slowMs,
        retryAfterSeconds: opts.retryAfter, maxRangeDays: opts.maxRangeDays, mailAddress: opts.mailAddress,
        password: opts.password, apiKey: opts.apiKey, idTokenTtlSeconds: opts.idTokenTtl, refreshTokenTtlSeconds: opts.refreshTokenTtl,
        publishLagMinutes: opts.publishLagMinutes,
      }));
      const { url } = await simulator.listen(opts.port, opts.host);
      const stopped = untilSignal();
      const o = simulator.options;
      ctx.out(`listening on ${url}\n`);
      // The credentials are the simulator's own fake ones; the key names avoid the logger's secret redaction on purpose.
      ctx.logger().info({
        url, v1: `${url}/v1`, v2: `${url}/v2`, mailaddress: o.mailAddress, simPassword: o.password, simApiKey: o.apiKey,
        seed: o.seed, codes: o.codes, from: o.from, asOf: o.asOf, faultRate: o.faultRate, buildMs: Math.round(simulator.world.buildMs),
      }, `J-Quants simulator listening: GOGOOKU3_JQUANTS_URL=${url} JQUANTS_API_KEY=${o.apiKey} (v2) or JQUANTS_MAIL_ADDRESS=${o.mailAddress} JQUANTS_PASSWORD=${o.password} (v1)`);
      const signal = await stopped;
      await simulator.close();
      ctx.logger().info({ signal, stats: simulator.stats() }, 'J-Quants simulator stopped');
      return 0;
    }));

  jquants.addCommand(serve, { isDefault: true });
  // `sim jquants --help` is where people look for --port and --seed, so list the default subcommand's options there.
  jquants.addHelpText('after', () => `\nOptions of the default subcommand (sim jquants [serve] …):\n${serve.options
    .map((o) => `  ${o.flags.padEnd(26)} ${o.description}${o.defaultValue !== undefined ? ` (default: ${JSON.stringify(o.defaultValue)})` : ''}`)
    .join('\n')}\n`);
  jquants.addCommand(
    marketOptions(subcommand('truth', "Print the planted signal's definition and realised ICs (the oracle a model can be compared with)"), '--history-from')
      .option('--from <date>', 'first session of the IC window, YYYY-MM-DD', dateArg('--from'))
      .option('--to <date>', 'last session of the IC window, YYYY-MM-DD', dateArg('--to'))
      .option('--signals-date <date>', 'also print every listed code’s signal value on this session', dateArg('--signals-date'))
      .addOption(formatOption())
      .action(action(ctx, (opts: TruthOpts) => {
        const world = usage(() => buildWorld({ seed: opts.seed, codes: opts.codes, from: opts.historyFrom, asOf: opts.asOf, signalIc: opts.signalIc }));
        const summary = truthSummary(world, { from: opts.from, to: opts.to, signalsDate: opts.signalsDate });
        ctx.out(opts.format === 'json' ? `${JSON.stringify(summary)}\n` : truthText(summary));
        return 0;
      })),
  );

  sim.addCommand(jquants);
  return sim;
}
