import type { Command } from 'commander';
import { stringify } from 'yaml';
import { operatorCrds } from '../../operator/crds/generate';
import { action, subcommand, type CliContext } from './context';

/** The CRDs as one multi-document YAML stream, ready for `kubectl apply -f -`. */
export function crdsYaml(): string {
  // lineWidth 0: no folding, so patterns and JSONPaths stay on one line and diff cleanly.
  return operatorCrds().map((crd) => stringify(crd, { lineWidth: 0 })).map((doc) => `---\n${doc}`).join('');
}

export function operatorCommand(ctx: CliContext): Command {
  const cmd = subcommand('operator', 'Kubernetes operator resources (FeatureSet, ModelRollout)');
  cmd.addCommand(subcommand('crds', 'Print the FeatureSet and ModelRollout CustomResourceDefinitions (apiextensions.k8s.io/v1) as multi-document YAML, e.g. `gogooku3 operator crds | kubectl apply -f -`')
    .action(action(ctx, () => {
      ctx.out(crdsYaml());
    })));
  return cmd;
}
