import { randomUUID } from 'node:crypto';
import * as k8s from '@kubernetes/client-node';
import type { Command } from 'commander';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { parseRolloutSpec, RolloutSpecError, type ModelRolloutSpec } from '../../operator/rollout/spec';
import { simulate, type SimulationResult } from '../../operator/rollout/simulate';
import { ROLLOUT_API_VERSION, ROLLOUT_KIND } from '../../operator/rollout/spec';
import { verbPatch, VERBS, type Verb } from '../../operator/rollout/verbs';
import { createKubeClient } from '../../operator/runtime/kube-client';
import { NotFoundError } from '../../operator/runtime/types';
import type { MetricsInterval, MetricsSample } from '../../operator/rollout/state-machine';
import { action, CliError, formatOption, subcommand, type CliContext, type OutputFormat, readOptionFile } from './context';

/** The rollout file: YAML (so JSON too) holding a whole ModelRollout resource or only its spec. */
export function parseRolloutFile(file: string, text: string): ModelRolloutSpec {
  const doc = parseDocument(text, { prettyErrors: false });
  if (doc.errors.length > 0) throw new CliError(`${file}: not valid YAML: ${doc.errors[0].message}`, 65);
  try {
    return parseRolloutSpec(doc.toJS());
  } catch (error) {
    if (error instanceof RolloutSpecError) throw new CliError(`${file}: ${error.message}`, 65);
    throw error;
  }
}

// JSON has no NaN, so null (or an absent field) is how a metrics export says "no value": it becomes NaN,
// which the analysis treats as no data.
const metricValue = z.union([z.number(), z.null()], { error: 'expected a number or null' }).optional();
const sampleSchema = z.strictObject({ p95_ms: metricValue, error_rate: metricValue, requests: metricValue, rank_ic: metricValue }, { error: 'expected an object { p95_ms, error_rate, requests, rank_ic? } or null' });
const intervalSchema = z.strictObject({ champion: sampleSchema.nullable().optional(), challenger: sampleSchema.nullable().optional() }, { error: 'expected an object { champion, challenger } or null' });
const metricsFileSchema = z.strictObject({ intervals: z.array(intervalSchema.nullable(), { error: 'expected a list of intervals' }) }, { error: 'expected an object { "intervals": [...] }' });

type RawSample = z.output<typeof sampleSchema> | null | undefined;

function toSample(raw: RawSample): MetricsSample {
  const num = (v: number | null | undefined) => (typeof v === 'number' ? v : Number.NaN);
  const sample: MetricsSample = { p95_ms: num(raw?.p95_ms), error_rate: num(raw?.error_rate), requests: num(raw?.requests) };
  if (raw?.rank_ic !== undefined) sample.rank_ic = num(raw.rank_ic);
  return sample;
}

/** The metrics file: JSON { "intervals": [ { "champion": {...}, "challenger": {...} } | null, ... ] }. */
export function parseMetricsFile(file: string, text: string): { intervals: Array<MetricsInterval | null> } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new CliError(`${file}: not valid JSON: ${(error as Error).message}`, 65);
  }
  const parsed = metricsFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue.path.map(String).join('.') || '(root)';
    const detail = issue.code === 'unrecognized_keys' ? `unknown field(s) ${issue.keys.join(', ')}` : issue.message;
    throw new CliError(`${file}: ${field}: ${detail}${parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more)` : ''}`, 65);
  }
  return {
    intervals: parsed.data.intervals.map((i) => (i === null ? null : { champion: toSample(i.champion), challenger: toSample(i.challenger) })),
  };
}

function formatText(result: SimulationResult, total: number): string {
  const lines = ['interval  weight  phase        reason'];
  for (const row of result.timeline) {
    lines.push(`${String(row.interval).padStart(8)}  ${String(row.challengerWeight).padStart(5)}%  ${row.phase.padEnd(11)}  ${row.reason}`);
  }
  lines.push(`final: ${result.final.phase} at challenger weight ${result.final.challengerWeight} % (${result.timeline.length} of ${total} intervals evaluated)`);
  return `${lines.join('\n')}\n`;
}

/** The cluster from --kubeconfig, else the usual places (KUBECONFIG, ~/.kube/config, in-cluster). */
export function loadKubeConfig(file?: string): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  try {
    if (file) kc.loadFromFile(file);
    else kc.loadFromDefault();
  } catch (error) {
    throw new CliError(`--kubeconfig: cannot load ${file ?? 'the default kubeconfig'}: ${(error as Error).message}`, 66);
  }
  if (!kc.getCurrentCluster()) throw new CliError(`--kubeconfig: ${file ?? 'the default kubeconfig'} names no current cluster`, 78);
  return kc;
}

/**
 * Asks the operator for a verb: sets the action annotation with a fresh nonce (a merge patch, so nothing
 * else on the resource is touched); the operator applies it on its next reconcile and removes it.
 */
export async function requestRolloutAction(kc: k8s.KubeConfig, target: { namespace: string; name: string; verb: Verb; nonce?: string }): Promise<string> {
  const nonce = target.nonce ?? `${new Date().toISOString()}-${randomUUID().slice(0, 8)}`;
  const client = createKubeClient(kc, { fieldManager: 'gogooku3-cli' });
  try {
    await client.mergePatch({ apiVersion: ROLLOUT_API_VERSION, kind: ROLLOUT_KIND, namespace: target.namespace, name: target.name }, verbPatch(target.verb, nonce));
  } catch (error) {
    if (error instanceof NotFoundError) throw new CliError(`ModelRollout ${target.namespace}/${target.name} not found`, 1);
    throw error;
  }
  return nonce;
}

const VERB_HELP: Record<Verb, string> = {
  promote: 'Promote the challenger now (all traffic to it), whatever the analysis says',
  abort: 'Abort the rollout: all traffic back to the champion',
  retry: 'Start a Paused, RolledBack or Aborted rollout again from the first step',
};

export function rolloutCommand(ctx: CliContext): Command {
  const cmd = subcommand('rollout', 'ModelRollout analysis (champion/challenger traffic steps gated by latency, errors and quality)');
  cmd.addCommand(subcommand('simulate', 'What-if: replay recorded interval metrics through a ModelRollout spec and print the weight, phase and reason after each interval (stops at Promoted, Paused, RolledBack or Aborted)')
    .requiredOption('--rollout <file>', 'YAML or JSON: a ModelRollout resource (apiVersion gogooku3.io/v1alpha1) or just its spec')
    .requiredOption('--metrics <file>', 'JSON {"intervals": [{"champion": {"p95_ms", "error_rate", "requests", "rank_ic"?}, "challenger": {...}} | null, ...]}; null means no data')
    .addOption(formatOption())
    .action(action(ctx, async (opts: { rollout: string; metrics: string; format: OutputFormat }) => {
      const spec = parseRolloutFile(opts.rollout, await readOptionFile('--rollout', opts.rollout));
      const metrics = parseMetricsFile(opts.metrics, await readOptionFile('--metrics', opts.metrics));
      const result = simulate(spec, metrics);
      ctx.out(opts.format === 'json' ? `${JSON.stringify({ timeline: result.timeline, final: result.final }, null, 2)}\n` : formatText(result, metrics.intervals.length));
    })));
  for (const verb of VERBS) {
    cmd.addCommand(subcommand(verb, `${VERB_HELP[verb]} (sets the gogooku3.io/action annotation; the operator applies it once)`)
      .argument('<name>', 'the ModelRollout')
      .option('--namespace <ns>', 'its namespace (default: the kubeconfig context\'s, else "default")')
      .option('--kubeconfig <file>', 'kubeconfig file (default: KUBECONFIG, ~/.kube/config or in-cluster)')
      .action(action(ctx, async (name: string, opts: { namespace?: string; kubeconfig?: string }) => {
        const kc = loadKubeConfig(opts.kubeconfig);
        const namespace = opts.namespace ?? kc.getContextObject(kc.getCurrentContext())?.namespace ?? 'default';
        const nonce = await requestRolloutAction(kc, { namespace, name, verb });
        ctx.out(`${verb} requested for ModelRollout ${namespace}/${name} (nonce ${nonce}); watch status.phase\n`);
      })));
  }
  return cmd;
}
