/** Prometheus rule-file shapes (the `groups:` of a rule file, or `spec.groups` of a PrometheusRule). */

export type Severity = 'page' | 'ticket';

export interface RecordingRule {
  record: string;
  expr: string;
  labels?: Record<string, string>;
}

export interface AlertingRule {
  alert: string;
  expr: string;
  for?: string;
  labels: { severity: Severity } & Record<string, string>;
  annotations: { summary: string; description: string; runbook_url: string };
}

export type Rule = RecordingRule | AlertingRule;

export interface RuleGroup {
  name: string;
  interval?: string;
  rules: Rule[];
}

export function isAlert(rule: Rule): rule is AlertingRule {
  return 'alert' in rule;
}

export interface RuleOptions {
  /** Where runbooks live; each alert links `<base>/<AlertName>.md`. */
  runbookBaseUrl?: string;
}

export const DEFAULT_RUNBOOK_BASE_URL = 'https://github.com/gogooku3/gogooku3/blob/main/docs/runbooks';

export function runbook(alert: string, options: RuleOptions = {}): string {
  return `${(options.runbookBaseUrl ?? DEFAULT_RUNBOOK_BASE_URL).replace(/\/+$/, '')}/${alert}.md`;
}
