/**
 * Alertmanager configuration: pages to PagerDuty, tickets to Slack. Secrets are never inline: receivers read
 * the routing key and the webhook URL from files the Alertmanager pod mounts from Kubernetes Secrets
 * (kube-prometheus-stack mounts `alertmanagerSpec.secrets: [name]` at /etc/alertmanager/secrets/<name>/).
 */
import { stringify } from 'yaml';
import { z } from 'zod';
import { SLOS } from './rules/slo';

export interface AlertmanagerOptions {
  /** Where the Secrets are mounted. Default `/etc/alertmanager/secrets`. */
  secretsDir?: string;
  /** Secret holding the PagerDuty Events v2 routing key under key `routing-key`. Default `alertmanager-pagerduty`. */
  pagerDutySecret?: string;
  /** Secret holding the Slack incoming-webhook URL under key `webhook-url`. Default `alertmanager-slack`. */
  slackSecret?: string;
  /** Slack channel of tickets. Default `#gogooku3-alerts`. */
  slackChannel?: string;
}

const receiverName = z.string().min(1);
const matcher = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*(=|!=|=~|!~)"[^"]*"$/, 'a matcher is label="value" (=, !=, =~ or !~)');

const route = z.strictObject({
  receiver: receiverName,
  matchers: z.array(matcher).optional(),
  group_by: z.array(z.string()).optional(),
  group_wait: z.string().optional(),
  group_interval: z.string().optional(),
  repeat_interval: z.string().optional(),
  continue: z.boolean().optional(),
});

/** The subset of alertmanager.yaml this module writes; strict, so a stray inline `routing_key` or `api_url` fails. */
export const alertmanagerConfigSchema = z.strictObject({
  global: z.strictObject({ resolve_timeout: z.string() }),
  route: route.extend({ routes: z.array(route) }),
  inhibit_rules: z.array(z.strictObject({ source_matchers: z.array(matcher), target_matchers: z.array(matcher), equal: z.array(z.string()) })),
  receivers: z.array(z.strictObject({
    name: receiverName,
    pagerduty_configs: z.array(z.strictObject({ routing_key_file: z.string().startsWith('/'), send_resolved: z.boolean(), severity: z.string(), description: z.string() })).optional(),
    slack_configs: z.array(z.strictObject({ api_url_file: z.string().startsWith('/'), channel: z.string(), send_resolved: z.boolean(), title: z.string(), text: z.string() })).optional(),
  })),
  templates: z.array(z.string()).optional(),
});

export type AlertmanagerConfig = z.infer<typeof alertmanagerConfigSchema>;

/** Labels that tell two alerts of one name apart: the SLO and whatever each SLO is broken down by. */
export function alertIdentityLabels(): string[] {
  return ['alertname', 'slo', ...[...new Set(SLOS.flatMap((s) => s.by))].sort()];
}

export function alertmanagerConfig(options: AlertmanagerOptions = {}): AlertmanagerConfig {
  const dir = (options.secretsDir ?? '/etc/alertmanager/secrets').replace(/\/+$/, '');
  const groupBy = alertIdentityLabels();
  return {
    global: { resolve_timeout: '5m' },
    route: {
      // A catch-all for alerts without a known severity: they go to Slack rather than nowhere.
      receiver: 'slack-tickets',
      group_by: groupBy,
      group_wait: '30s',
      group_interval: '5m',
      repeat_interval: '12h',
      routes: [
        { receiver: 'pagerduty', matchers: ['severity="page"'], group_wait: '30s', group_interval: '5m', repeat_interval: '1h' },
        { receiver: 'slack-tickets', matchers: ['severity="ticket"'], group_wait: '5m', group_interval: '30m', repeat_interval: '24h' },
      ],
    },
    // A page already has someone on it; the ticket for the same burn would only be noise.
    inhibit_rules: [{ source_matchers: ['severity="page"'], target_matchers: ['severity="ticket"'], equal: groupBy }],
    receivers: [
      {
        name: 'pagerduty',
        pagerduty_configs: [{
          routing_key_file: `${dir}/${options.pagerDutySecret ?? 'alertmanager-pagerduty'}/routing-key`,
          send_resolved: true,
          severity: 'critical',
          description: '{{ .CommonAnnotations.summary }}',
        }],
      },
      {
        name: 'slack-tickets',
        slack_configs: [{
          api_url_file: `${dir}/${options.slackSecret ?? 'alertmanager-slack'}/webhook-url`,
          channel: options.slackChannel ?? '#gogooku3-alerts',
          send_resolved: true,
          title: '[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }} {{ .CommonLabels.slo }}',
          text: '{{ range .Alerts }}{{ .Annotations.summary }}\n{{ .Annotations.description }}\nRunbook: {{ .Annotations.runbook_url }}\n{{ end }}',
        }],
      },
    ],
  };
}

/** Every route names an existing receiver; returns the problems (empty when consistent). */
export function alertmanagerProblems(config: AlertmanagerConfig): string[] {
  const names = new Set(config.receivers.map((r) => r.name));
  const problems: string[] = [];
  if (names.size !== config.receivers.length) problems.push('receiver names are not unique');
  for (const r of [config.route, ...config.route.routes]) {
    if (!names.has(r.receiver)) problems.push(`route receiver ${r.receiver} is not defined (receivers: ${[...names].join(', ')})`);
  }
  return problems;
}

export function alertmanagerYaml(options: AlertmanagerOptions = {}): string {
  const config = alertmanagerConfigSchema.parse(alertmanagerConfig(options));
  return `# Generated by dashboards/build.ts; do not edit.\n${stringify(config, { lineWidth: 0, aliasDuplicateObjects: false })}`;
}
