import type { Command } from 'commander';
import { parseDocument, stringify } from 'yaml';
import { operatorCrds } from '../../operator/crds/generate';
import { operatorRbac } from '../../operator/rbac';
import { desiredChildren, FeatureSetChildrenError, type KubeObject } from '../../operator/featureset/children';
import { FeatureSetSpecError, parseFeatureSetSpec } from '../../operator/featureset/spec';
import { CalendarRangeError } from '../calendar';
import { action, CliError, subcommand, type CliContext, readOptionFile } from './context';
import { operatorRunCommand } from './operator-run';

// lineWidth 0: no folding, so patterns, JSONPaths and commands stay on one line and diff cleanly. YAML 1.1
// quoting for the children: kubectl's parser is YAML 1.1, where a bare 2020-01-06 is a timestamp and yes/on
// are booleans, not the strings the pod needs.
const yamlStream = (docs: unknown[], version: '1.1' | '1.2' = '1.2'): string =>
  docs.map((doc) => `---\n${stringify(doc, { lineWidth: 0, version })}`).join('');

/** The CRDs as one multi-document YAML stream, ready for `kubectl apply -f -`. */
export function crdsYaml(): string {
  return yamlStream(operatorCrds());
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The children of the FeatureSet resource in `text` (YAML or JSON), as `desiredChildren` renders them. */
export function renderFeatureSet(file: string, text: string, opts: { namespace?: string; now: Date }): KubeObject[] {
  const doc = parseDocument(text, { prettyErrors: false });
  if (doc.errors.length > 0) throw new CliError(`${file}: not valid YAML: ${doc.errors[0].message}`, 65);
  const raw: unknown = doc.toJS();
  try {
    const spec = parseFeatureSetSpec(raw);
    // Children need an owner name; a bare spec has none, so only a whole resource renders.
    const meta = isRecord(raw) && isRecord(raw.metadata) ? raw.metadata : {};
    if (typeof meta.name !== 'string' || meta.name === '') {
      throw new CliError(`${file}: metadata.name: expected the FeatureSet name (a whole FeatureSet resource, not a bare spec), got ${JSON.stringify(meta.name) ?? 'nothing'}`, 65);
    }
    const namespace = opts.namespace ?? (typeof meta.namespace === 'string' && meta.namespace !== '' ? meta.namespace : 'default');
    return desiredChildren({
      metadata: {
        name: meta.name,
        namespace,
        ...(typeof meta.uid === 'string' ? { uid: meta.uid } : {}),
        ...(typeof meta.generation === 'number' ? { generation: meta.generation } : {}),
      },
      spec,
    }, { now: opts.now });
  } catch (error) {
    if (error instanceof FeatureSetSpecError || error instanceof FeatureSetChildrenError) throw new CliError(`${file}: ${error.message}`, 65);
    // The close in force comes from the TSE calendar, which covers a fixed range of dates.
    if (error instanceof CalendarRangeError) throw new CliError(`--now: ${error.message}`, 2);
    throw error;
  }
}

function nowArg(value: string): Date {
  // A date-time with an explicit zone only: a bare date or local time would depend on the machine's zone.
  const ms = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) throw new CliError(`--now: expected an ISO date-time with a zone such as 2024-11-05T09:00:00+09:00, got ${JSON.stringify(value)}`);
  return new Date(ms);
}

export function operatorCommand(ctx: CliContext): Command {
  const cmd = subcommand('operator', 'Kubernetes operator resources (FeatureSet, ModelRollout)');
  cmd.addCommand(operatorRunCommand(ctx));
  cmd.addCommand(subcommand('crds', 'Print the FeatureSet and ModelRollout CustomResourceDefinitions (apiextensions.k8s.io/v1) as multi-document YAML, e.g. `gogooku3 operator crds | kubectl apply -f -`')
    .action(action(ctx, () => {
      ctx.out(crdsYaml());
    })));
  cmd.addCommand(subcommand('rbac', 'Print the operator\'s ServiceAccount, ClusterRole, ClusterRoleBinding and leader-election Role/RoleBinding (least privilege, no Secrets) as multi-document YAML')
    .option('--namespace <ns>', 'namespace the operator runs in', 'gogooku3-system')
    .option('--name <name>', 'name of the ServiceAccount, roles and bindings', 'gogooku3-operator')
    .action(action(ctx, (opts: { namespace: string; name: string }) => {
      ctx.out(yamlStream(operatorRbac({ namespace: opts.namespace, name: opts.name, leaseName: opts.name })));
    })));
  cmd.addCommand(subcommand('render', 'Print the objects the operator would create for a FeatureSet (ServiceAccount, manifest ConfigMap, daily CronJob, backfill Job, training CronJob) as multi-document YAML')
    .requiredOption('--featureset <file>', 'FeatureSet resource, YAML or JSON')
    .option('--namespace <ns>', 'namespace of the children (default: the FeatureSet\'s, else "default")')
    .option('--now <iso>', 'render as of this instant, e.g. 2024-11-05T09:00:00+09:00 (default: now); decides the close in force and the backfill end')
    .action(action(ctx, async (opts: { featureset: string; namespace?: string; now?: string }) => {
      const now = opts.now === undefined ? new Date() : nowArg(opts.now);
      const text = await readOptionFile('--featureset', opts.featureset);
      ctx.out(yamlStream(renderFeatureSet(opts.featureset, text, { namespace: opts.namespace, now }), '1.1'));
    })));
  return cmd;
}
