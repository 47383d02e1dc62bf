/**
 * The runbooks in docs/runbooks/ against the alerts they document: every alert's `runbook_url` resolves to a page
 * with the agreed sections, no page outlives its alert, the index lists exactly the alerts, the PromQL a page
 * tells people to paste names only metrics we know, and every `gogooku3 …` invocation it shows parses.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { buildProgram } from '../pipelines/cli/main';
import { COMMAND_NAMES } from '../pipelines/cli/commands';
import { createContext } from '../pipelines/cli/context';
import { prometheusRuleGroups } from './index';
import { DCGM, EXTERNAL_METRICS, PIPELINE, ROLLOUT, RUNTIME, SERVING, TRAINING } from './metric-names';
import { allowedBy, metricNames } from './promql-names';
import { DEFAULT_RUNBOOK_BASE_URL, isAlert, type AlertingRule } from './rules/types';

const DIR = path.join(__dirname, '..', 'docs', 'runbooks');
const SECTIONS = ['Meaning', 'Impact', 'Diagnosis', 'Mitigation'] as const;

const rules = prometheusRuleGroups();
const alertRules = rules.flatMap((g) => g.rules.filter(isAlert));
const alertNames = [...new Set(alertRules.map((r) => r.alert))].sort();
const recorded = new Set(rules.flatMap((g) => g.rules.flatMap((r) => (isAlert(r) ? [] : [r.record]))));
const severities = (alert: string) => [...new Set(alertRules.filter((r) => r.alert === alert).map((r) => r.labels.severity))].sort();

/** Series names the repository's own code exports, plus the histogram series of each family. */
const ours = new Set<string>([PIPELINE, SERVING, RUNTIME, ROLLOUT, TRAINING, DCGM].flatMap((names) => Object.values(names)));

function read(file: string): string {
  return readFileSync(path.join(DIR, file), 'utf8');
}

function promqlBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```promql\n([\s\S]*?)^```/gm)].map((m) => m[1]);
}

/** Names a PromQL block reads that are neither ours (metric-names.ts), recorded here, nor allowlisted external. */
function unknownMetrics(markdown: string): string[] {
  const unknown = new Set<string>();
  for (const block of promqlBlocks(markdown)) {
    for (const name of metricNames(block)) {
      const family = name.replace(/_(bucket|sum|count)$/, '');
      if (ours.has(name) || ours.has(family) || recorded.has(name) || allowedBy(name, EXTERNAL_METRICS)) continue;
      unknown.add(name);
    }
  }
  return [...unknown].sort();
}

/** Level-2 headings of a page. */
function headings(markdown: string): string[] {
  return [...markdown.matchAll(/^## (.+)$/gm)].map((m) => m[1].trim());
}

/** Alert name → severity cell of the index table (rows whose first cell is a bare alert name). */
function indexRows(markdown: string): Map<string, { severity: string; link: string }> {
  const rows = new Map<string, { severity: string; link: string }>();
  for (const line of markdown.split('\n')) {
    const cells = line.split('|').slice(1, -1).map((c) => c.trim());
    if (cells.length !== 4 || !/^[A-Z]\w+$/.test(cells[0]) || cells[0] === 'Alert') continue;
    rows.set(cells[0], { severity: cells[1], link: cells[3] });
  }
  return rows;
}

/** Every `gogooku3 …` invocation shown in code: fenced blocks and inline spans. */
function invocations(markdown: string): string[][] {
  const code = [...markdown.matchAll(/^```\w*\n([\s\S]*?)^```/gm)].map((m) => m[1]);
  const prose = markdown.replace(/^```\w*\n[\s\S]*?^```/gm, '');
  code.push(...[...prose.matchAll(/`([^`]+)`/g)].map((m) => m[1]));
  const out: string[][] = [];
  for (const text of code) {
    for (const m of text.matchAll(/(?:^|[\s(])gogooku3((?:[ \t]+|\n[ \t]*)[^\n]*)/g)) {
      const tokens: string[] = [];
      for (const t of m[1].trim().split(/\s+/)) {
        if (/^["'|&#>]/.test(t)) break;
        tokens.push(t);
      }
      out.push(tokens);
    }
  }
  return out;
}

const programs = new Map<string, Command>();
function program(top: string): Command {
  let p = programs.get(top);
  if (!p) {
    p = buildProgram(createContext({}, () => ({})), () => undefined, top);
    programs.set(top, p);
  }
  return p;
}

/** Why `tokens` (after `gogooku3`) is not a command line the CLI accepts, or undefined when it is. */
function invalidInvocation(tokens: readonly string[]): string | undefined {
  const [top] = tokens;
  if (!top || !COMMAND_NAMES.includes(top)) return `unknown command ${JSON.stringify(top)}`;
  let cmd = program(top);
  let i = 0;
  for (; i < tokens.length; i++) {
    const sub = cmd.commands.find((c) => c.name() === tokens[i]);
    if (!sub) break;
    cmd = sub;
  }
  if (cmd.commands.length > 0) return `${tokens.slice(0, i).join(' ')} needs a subcommand (${cmd.commands.map((c) => c.name()).join(', ')})`;
  const flags = [...cmd.options, ...program(top).options].flatMap((o) => [o.long, o.short]);
  const bad = tokens.slice(i).filter((t) => t.startsWith('-')).map((t) => t.split('=')[0]).filter((t) => !flags.includes(t));
  return bad.length > 0 ? `${tokens.slice(0, i).join(' ')}: no option ${bad.join(', ')}` : undefined;
}

describe('runbooks (docs/runbooks)', () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.md'));

  it('covers a plausible number of alerts', () => {
    expect(alertNames.length).toBeGreaterThanOrEqual(10);
  });

  it.each(alertNames)('%s has a runbook with the sections Meaning, Impact, Diagnosis, Mitigation', (alert) => {
    expect(files).toContain(`${alert}.md`);
    const text = read(`${alert}.md`);
    expect(text.split('\n')[0]).toBe(`# ${alert}`);
    const h = headings(text);
    for (const section of SECTIONS) expect(h).toContain(section);
    // In that order, so every page reads the same way.
    expect(SECTIONS.map((s) => h.indexOf(s))).toEqual([...SECTIONS.map((s) => h.indexOf(s))].sort((a, b) => a - b));
  });

  it.each(alertNames)('%s links to its own runbook', (alert) => {
    for (const rule of alertRules.filter((r) => r.alert === alert)) {
      expect(rule.annotations.runbook_url).toBe(`${DEFAULT_RUNBOOK_BASE_URL}/${alert}.md`);
    }
  });

  it('has no runbook without an alert', () => {
    expect(files.filter((f) => f !== 'README.md').map((f) => f.replace(/\.md$/, '')).sort()).toEqual(alertNames);
  });

  it('lists exactly the alerts in the README table, with their severities and links', () => {
    const rows = indexRows(read('README.md'));
    expect([...rows.keys()].sort()).toEqual(alertNames);
    for (const alert of alertNames) {
      expect(rows.get(alert)!.severity.split(/,\s*/).sort()).toEqual(severities(alert));
      expect(rows.get(alert)!.link).toBe(`[${alert}.md](${alert}.md)`);
    }
  });

  it.each(alertNames)('%s: states the severity the rules give it', (alert) => {
    const line = read(`${alert}.md`).split('\n').find((l) => l.startsWith('Severity:'));
    expect(line).toBeDefined();
    for (const s of ['page', 'ticket'] as const) expect(line!.includes(s)).toBe(severities(alert).includes(s));
  });

  it.each(alertNames)('%s: PromQL blocks name only metrics metric-names.ts knows', (alert) => {
    const text = read(`${alert}.md`);
    expect(promqlBlocks(text).length).toBeGreaterThan(0);
    expect(unknownMetrics(text)).toEqual([]);
  });

  it.each(alertNames)('%s: names every metric its rule reads (and the SLI metrics behind recorded ratios)', (alert) => {
    const text = read(`${alert}.md`);
    const mine: AlertingRule[] = alertRules.filter((r) => r.alert === alert);
    const names = new Set(mine.flatMap((r) => metricNames(r.expr)));
    // An SLO alert reads recorded ratios: the page must also name what they are computed from.
    const sloLabel = /slo="([^"]+)"/.exec(mine[0].expr)?.[1];
    if (sloLabel) {
      for (const g of rules) {
        for (const r of g.rules) if (!isAlert(r) && r.labels?.slo === sloLabel) for (const n of metricNames(r.expr)) names.add(n);
      }
    }
    expect(names.size).toBeGreaterThan(0);
    expect([...names].filter((n) => !text.includes(n))).toEqual([]);
  });

  it.each(['README.md', ...alertNames.map((a) => `${a}.md`)])('%s: every gogooku3 command shown exists with those options', (file) => {
    const problems = invocations(read(file)).flatMap((tokens) => {
      const why = invalidInvocation(tokens);
      return why ? [`gogooku3 ${tokens.join(' ')}: ${why}`] : [];
    });
    expect(problems).toEqual([]);
  });
});

describe('the runbook checks themselves', () => {
  it('flag a misspelt or foreign metric in a PromQL block, but not ours, recorded or allowlisted ones', () => {
    const page = '```promql\nsum(pipeline_run_total{run_id!=""}) + pipeline_runs_total + data_freshness_minutes_bucket\n' +
      'slo:sli_error:ratio_rate1h + up{job="x"} + DCGM_FI_DEV_GPU_UTIL + node_load1\n```\n`not_promql_metric`\n';
    expect(unknownMetrics(page)).toEqual(['node_load1', 'pipeline_run_total']);
  });

  it('find invocations in fenced blocks and inline spans, stopping at quoted arguments and pipes', () => {
    const page = 'Run `gogooku3 metrics prune --dry-run`.\n```sh\nX=1 gogooku3 query "SELECT 1" --format json\ngogooku3 operator rbac --namespace ns | kubectl apply -f -\n```\n';
    expect(invocations(page)).toEqual([['query'], ['operator', 'rbac', '--namespace', 'ns'], ['metrics', 'prune', '--dry-run']]);
  });

  it('reject unknown commands, missing subcommands and unknown options', () => {
    expect(invalidInvocation(['metrics', 'prune', '--dry-run', '--older-than-days', '40'])).toBeUndefined();
    expect(invalidInvocation(['metrics', 'purge'])).toMatch(/needs a subcommand/);
    expect(invalidInvocation(['metrics', 'prune', '--force'])).toMatch(/no option --force/);
    expect(invalidInvocation(['metric', 'prune'])).toMatch(/unknown command/);
  });
});
