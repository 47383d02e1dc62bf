import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Command, Option } from 'commander';
import { parseDocument } from 'yaml';
import { ENVIRONMENTS, parseStackConfig, type Environment } from '../../stacks/config';
import { assertEnvironment, parseStackFile, stackFilePath, STACKS_DIR } from '../../stacks/stackfile';
import { action, CliError, intArg, readOptionFile, subcommand, type CliContext } from './context';

/**
 * `gogooku3 stack`: GitOps render of a stack, quality-gate records, gated promotion of pinned versions
 * (dev → staging → prod) and SOPS (age) secrets files. Heavy modules (Pulumi, age) load inside the actions.
 */

const envArg = (option: string) => (v: string): Environment => {
  try {
    return assertEnvironment(v, option);
  } catch (error) {
    throw new CliError((error as Error).message);
  }
};

const stacksDirOption = () => new Option('--stacks-dir <dir>', 'directory of Pulumi.<env>.yaml, gates/ and .sops.yaml').default(STACKS_DIR).hideHelp();

/** Config errors and friends are usage errors (2) with their own one-line message. */
async function usage<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    const name = (error as Error)?.name;
    if (['StackConfigError', 'GateInputError', 'RenderError', 'SopsFormatError', 'SopsKeyError', 'SopsMacError', 'SopsRulesError', 'AgeIdentityError'].includes(name)) {
      throw new CliError((error as Error).message, name === 'RenderError' ? 65 : 2);
    }
    throw error;
  }
}

async function readStack(dir: string, env: Environment) {
  const file = stackFilePath(env, dir);
  const text = await readOptionFile(`stack ${env}`, file);
  return { file, text, config: parseStackConfig(parseStackFile(text, file).raw) };
}

function renderCommand(ctx: CliContext): Command {
  return subcommand('render', 'Render a stack to plain Kubernetes manifests for GitOps (no cluster, no Pulumi CLI): one file per component, a kustomization.yaml, ExternalSecrets instead of Secrets')
    .requiredOption('--stack <env>', `stack (${ENVIRONMENTS.join(', ')})`, envArg('--stack'))
    .requiredOption('--out <dir>', 'output directory (files rendered earlier and no longer produced are removed)')
    .option('--secret-store <name>', 'ClusterSecretStore the ExternalSecrets read from', 'gogooku3')
    .addOption(stacksDirOption())
    .action(action(ctx, async (opts: { stack: Environment; out: string; secretStore: string; stacksDir: string }) => usage(async () => {
      const { renderStack, writeRendered } = require('../../stacks/render/render') as typeof import('../../stacks/render/render');
      const rendered = await renderStack(opts.stack, { stacksDir: opts.stacksDir, secretStore: opts.secretStore });
      const { written, removed } = await writeRendered(opts.out, rendered);
      ctx.out(`rendered ${opts.stack}: ${written.length} files in ${opts.out}${removed.length ? `; removed ${removed.join(', ')}` : ''}\n`);
      for (const s of rendered.skipped) ctx.out(`  skipped (no manifest): ${s}\n`);
      return 0;
    }))) as Command;
}

function gateCommand(ctx: CliContext): Command {
  const cmd = subcommand('gate', 'Quality-gate records (stacks/gates/<env>.json) that promotion requires');
  cmd.addCommand(subcommand('record', 'Record the parity, regression and rollout gates of an environment against its current pinned versions; exit 1 if any gate failed (still recorded)')
    .requiredOption('--env <env>', 'environment the gates were measured in', envArg('--env'))
    .requiredOption('--parity <file>', 'parity report JSON (`gogooku3 parity check --format json`)')
    .requiredOption('--regression <file>', 'regression report JSON (an object with a boolean "pass")')
    .requiredOption('--rollout <phase>', 'final phase of the ModelRollout (Promoted passes)')
    .addOption(stacksDirOption())
    .action(action(ctx, async (opts: { env: Environment; parity: string; regression: string; rollout: string; stacksDir: string }) => usage(async () => {
      const g = require('../../stacks/promote/gates') as typeof import('../../stacks/promote/gates');
      const { config } = await readStack(opts.stacksDir, opts.env);
      const record = g.buildGateRecord(opts.env, config.versions, {
        parity: g.gateFromReport('parity', opts.parity, await readOptionFile('--parity', opts.parity)),
        regression: g.gateFromReport('regression', opts.regression, await readOptionFile('--regression', opts.regression)),
        rollout: g.gateFromRolloutPhase(opts.rollout),
      }, new Date());
      const file = path.join(opts.stacksDir, 'gates', `${opts.env}.json`);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, g.formatGateRecord(record));
      for (const name of g.GATE_NAMES) ctx.out(`${name.padEnd(10)} ${record.gates[name].summary}\n`);
      ctx.out(`recorded ${file} for image ${record.versions.image}, feature set ${record.versions.featureSet}\n`);
      return g.GATE_NAMES.every((n) => record.gates[n].pass) ? 0 : 1;
    }))));
  return cmd;
}

function promoteCommand(ctx: CliContext): Command {
  return subcommand('promote', 'Copy pinned versions (images, chart, feature set, models) from one stack file to the next when the source\'s recorded gates passed on exactly those versions; dry run unless --apply. Exit 0 ok, 1 gates failed, 2 usage')
    .requiredOption('--from <env>', 'source environment', envArg('--from'))
    .requiredOption('--to <env>', 'target environment (prod only from staging)', envArg('--to'))
    .option('--apply', 'write the target stack file (default: dry run, print the diff)')
    .option('--evidence <file>', 'write a JSON record of the decision (gates, changes, time) to this file')
    .option('--max-age-days <n>', 'gates older than this do not count', intArg('--max-age-days', 1, 365), 14)
    .addOption(stacksDirOption())
    .action(action(ctx, async (opts: { from: Environment; to: Environment; apply?: boolean; evidence?: string; maxAgeDays: number; stacksDir: string }) => usage(async () => {
      const p = require('../../stacks/promote/promote') as typeof import('../../stacks/promote/promote');
      const g = require('../../stacks/promote/gates') as typeof import('../../stacks/promote/gates');
      const source = await readStack(opts.stacksDir, opts.from);
      const target = await readStack(opts.stacksDir, opts.to);
      const gateFile = path.join(opts.stacksDir, 'gates', `${opts.from}.json`);
      const gateText = await readFile(gateFile, 'utf8').catch((e: NodeJS.ErrnoException) => { if (e.code === 'ENOENT') return undefined; throw e; });
      const gate = gateText === undefined ? undefined : g.parseGateRecord(gateText, gateFile);
      const now = new Date();
      const decision = p.decidePromotion({ from: opts.from, to: opts.to, source: source.config.versions, target: target.config.versions, gate, now, maxAgeMs: opts.maxAgeDays * 86_400_000 });
      const rel = path.relative(process.cwd(), target.file) || target.file;
      if (opts.evidence) {
        await writeFile(opts.evidence, `${JSON.stringify({ from: opts.from, to: opts.to, decidedAt: now.toISOString(), applied: decision.kind === 'promote' && Boolean(opts.apply), decision, gate: gate ?? null }, null, 2)}\n`);
      }
      if (decision.kind === 'usage') throw new CliError(decision.message, 2);
      if (decision.kind === 'gates-failed') {
        ctx.err(`gogooku3: promotion ${opts.from} → ${opts.to} refused: gates failed\n${decision.failures.map((f) => `  ${f}\n`).join('')}`);
        return 1;
      }
      ctx.out(p.formatDiff(rel, opts.from, decision.changes));
      if (decision.changes.length === 0) return 0;
      if (!opts.apply) {
        ctx.out(`dry run: re-run with --apply to write ${rel}\n`);
        return 0;
      }
      const doc = parseDocument(target.text);
      p.applyChanges(doc, decision.changes);
      const next = p.stringifyStackFile(doc);
      // The edited file must still be a valid stack config with exactly the source's versions.
      parseStackConfig(parseStackFile(next, target.file).raw);
      await writeFile(target.file, next);
      ctx.out(`promoted ${decision.changes.length} versions ${opts.from} → ${opts.to}: wrote ${rel}\n`);
      return 0;
    }))) as Command;
}

function secretsCommand(ctx: CliContext): Command {
  const cmd = subcommand('secrets', 'SOPS (age) secrets files, compatible with the sops CLI; keys from SOPS_AGE_KEY / SOPS_AGE_KEY_FILE');
  cmd.addCommand(subcommand('encrypt', 'Encrypt a plaintext YAML file for the age recipients .sops.yaml names for --out')
    .requiredOption('--in <file>', 'plaintext YAML (keep it out of git)')
    .requiredOption('--out <file>', 'encrypted file, e.g. stacks/secrets/dev.enc.yaml')
    .option('--recipient <age1...>', 'age recipient instead of .sops.yaml (repeatable)', (v: string, acc: string[] = []) => [...acc, v])
    .addOption(stacksDirOption())
    .action(action(ctx, async (opts: { in: string; out: string; recipient?: string[]; stacksDir: string }) => usage(async () => {
      const { encryptSopsYaml } = require('../../stacks/secrets/sops') as typeof import('../../stacks/secrets/sops');
      const { rulesFor } = require('../../stacks/secrets/rules') as typeof import('../../stacks/secrets/rules');
      const rule = opts.recipient ? { recipients: opts.recipient } : rulesFor(await readOptionFile('.sops.yaml', path.join(opts.stacksDir, '.sops.yaml')), path.resolve(opts.out), path.resolve(opts.stacksDir));
      await writeFile(opts.out, await encryptSopsYaml(await readOptionFile('--in', opts.in), rule));
      ctx.out(`encrypted ${opts.out} for ${rule.recipients.length} age recipient(s)\n`);
      return 0;
    }))));
  cmd.addCommand(subcommand('decrypt', 'Decrypt a sops file to stdout (verifies the MAC)')
    .argument('<file>')
    .action(action(ctx, async (file: string) => usage(async () => {
      const { decryptSopsYaml } = require('../../stacks/secrets/sops') as typeof import('../../stacks/secrets/sops');
      const { ageIdentitiesFromEnv } = require('../../stacks/secrets/age') as typeof import('../../stacks/secrets/age');
      ctx.out(await decryptSopsYaml(await readOptionFile('<file>', file), ageIdentitiesFromEnv(ctx.env as NodeJS.ProcessEnv), { file }));
      return 0;
    }))));
  cmd.addCommand(subcommand('keygen', 'Print a new age identity (keep it secret) and its recipient (put it in .sops.yaml)')
    .action(action(ctx, async () => {
      const { generateAgeKey } = require('../../stacks/secrets/age') as typeof import('../../stacks/secrets/age');
      const k = await generateAgeKey();
      ctx.out(`# public key: ${k.recipient}\n${k.identity}\n`);
      return 0;
    })));
  return cmd;
}

export function stackCommand(ctx: CliContext): Command {
  const cmd = subcommand('stack', 'Pulumi stacks: GitOps render, quality gates, gated promotion dev → staging → prod, SOPS secrets');
  cmd.addCommand(renderCommand(ctx));
  cmd.addCommand(gateCommand(ctx));
  cmd.addCommand(promoteCommand(ctx));
  cmd.addCommand(secretsCommand(ctx));
  return cmd;
}
