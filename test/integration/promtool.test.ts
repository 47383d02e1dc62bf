/**
 * The generated rules through the real promtool: `check rules` on every rule file and `test rules` on every
 * scenario file, both the committed dashboards/generated and a fresh generation in a temp dir. amtool checks
 * the Alertmanager config when it is installed (it is optional; promtool is required in CI).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { writeFiles } from '../../dashboards/build';
import { generatedFiles } from '../../dashboards/index';
import { findBinary } from '../helpers/binaries';

const run = promisify(execFile);
const promtool = findBinary('promtool', 'PROMTOOL', ['/usr/bin/promtool']);
const amtool = findBinary('amtool', 'AMTOOL');
// In CI a missing promtool must fail the suite, not skip it.
const available = promtool !== null || process.env.CI === 'true';
const suite = available ? describe : describe.skip;
if (!available) console.warn('promtool is missing from PATH: skipping the Prometheus rule tests');

const COMMITTED = path.join(__dirname, '../../dashboards/generated');

function files(dir: string, sub: string): string[] {
  return fs.readdirSync(path.join(dir, sub)).filter((f) => f.endsWith('.yaml')).sort().map((f) => path.join(dir, sub, f));
}

async function promtoolRun(args: string[], cwd: string): Promise<string> {
  if (!promtool) throw new Error('promtool not found (set PROMTOOL or install the prometheus package)');
  try {
    const { stdout, stderr } = await run(promtool, args, { cwd, timeout: 60_000 });
    return stdout + stderr;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    throw new Error(`promtool ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`, { cause: error });
  }
}

suite('promtool', () => {
  jest.setTimeout(90_000);
  let fresh: string;

  beforeAll(async () => {
    fresh = fs.mkdtempSync(path.join(os.tmpdir(), 'gogooku3-rules-'));
    await writeFiles(fresh, generatedFiles());
  });
  afterAll(() => fs.rmSync(fresh, { recursive: true, force: true }));

  it('check rules accepts every committed rule file', async () => {
    const rules = files(COMMITTED, 'rules');
    expect(rules.length).toBeGreaterThan(0);
    const out = await promtoolRun(['check', 'rules', ...rules], COMMITTED);
    expect(out.match(/SUCCESS/g)).toHaveLength(rules.length);
  });

  it('test rules passes every committed scenario file', async () => {
    const tests = files(COMMITTED, 'tests');
    const out = await promtoolRun(['test', 'rules', ...tests], path.join(COMMITTED, 'tests'));
    expect(out.match(/SUCCESS/g)).toHaveLength(tests.length);
  });

  it('test rules fails when a rule is broken (the scenarios can fail)', async () => {
    const broken = path.join(fresh, 'rules/slo.rules.yaml');
    const original = fs.readFileSync(broken, 'utf8');
    // Drop the short-window veto of the 6 h page: the "failures stopped an hour ago" scenario must now page.
    fs.writeFileSync(broken, original.replace('slo:sli_error:ratio_rate30m{slo="pipeline-success"} <= (6 * 0.005)', 'slo:sli_error:ratio_rate30m{slo="pipeline-success"} > 1e9'));
    try {
      await expect(promtoolRun(['test', 'rules', path.join(fresh, 'tests/slo-page.test.yaml')], path.join(fresh, 'tests'))).rejects.toThrow(/failures stopped an hour ago/);
    } finally {
      fs.writeFileSync(broken, original);
    }
  });

  it('test rules fails when PipelineNotReporting uses a fixed 26 h silence window (the weekend scenario tickets)', async () => {
    const broken = path.join(fresh, 'rules/operations.rules.yaml');
    const original = fs.readFileSync(broken, 'utf8');
    const deadline = 'max by (pipeline, feature_set) (pipeline_next_success_deadline_timestamp_seconds{run_id!=""}) < time()';
    expect(original).toContain(deadline);
    fs.writeFileSync(broken, original.replace(deadline, 'max by (pipeline, feature_set) (pipeline_run_timestamp_seconds{run_id!="",status="succeeded"}) < time() - 26 * 3600'));
    try {
      await expect(promtoolRun(['test', 'rules', path.join(fresh, 'tests/pipeline-schedule.test.yaml')], path.join(fresh, 'tests'))).rejects.toThrow(/no ticket over the weekend/);
    } finally {
      fs.writeFileSync(broken, original);
    }
  });

  it('test rules fails when the SLO counts series without run_id (a run\'s textfile would count twice)', async () => {
    const broken = path.join(fresh, 'rules/slo.rules.yaml');
    const original = fs.readFileSync(broken, 'utf8');
    expect(original).toContain('pipeline_run_timestamp_seconds{run_id!=""}');
    fs.writeFileSync(broken, original.replaceAll('pipeline_run_timestamp_seconds{run_id!=""}', 'pipeline_run_timestamp_seconds').replaceAll('pipeline_runs_total{run_id!="",status="failed"}', 'pipeline_runs_total{status="failed"}').replaceAll('pipeline_runs_total{run_id!=""}', 'pipeline_runs_total'));
    try {
      await expect(promtoolRun(['test', 'rules', path.join(fresh, 'tests/slo-page.test.yaml')], path.join(fresh, 'tests'))).rejects.toThrow(/textfile \(no run_id\) is not counted/);
    } finally {
      fs.writeFileSync(broken, original);
    }
  });

  (amtool ? it : it.skip)('amtool check-config accepts the Alertmanager config', async () => {
    const { stdout } = await run(amtool!, ['check-config', path.join(COMMITTED, 'alertmanager.yaml')]);
    expect(stdout).toMatch(/SUCCESS/);
  });
});
