/**
 * Metric names a PromQL expression reads, found lexically: enough for the expressions written here (not a
 * PromQL parser). Label matchers, strings, ranges and label lists of by/without/on/ignoring/group_* are
 * removed first; an identifier followed by `(` is a function or aggregation; keywords are dropped.
 */
const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan', 'atan2']);

export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  for (const m of stripped.matchAll(/(?<![\w.$])([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)) {
    if (m[2] || KEYWORDS.has(m[1].toLowerCase())) continue;
    names.add(m[1]);
  }
  return [...names].sort();
}

const HISTOGRAM_SUFFIXES = ['_bucket', '_sum', '_count'];

/** The exported family a series name belongs to: `x_bucket` → `x` when `x` is a known histogram/summary. */
export function familyOf(name: string, histograms: ReadonlySet<string>): string {
  for (const suffix of HISTOGRAM_SUFFIXES) {
    if (name.endsWith(suffix) && histograms.has(name.slice(0, -suffix.length))) return name.slice(0, -suffix.length);
  }
  return name;
}

/** Is `name` covered by an allowlist entry (exact, or a `prefix*`)? */
export function allowedBy(name: string, entries: ReadonlyArray<{ name: string }>): { name: string } | undefined {
  return entries.find((e) => (e.name.endsWith('*') ? name.startsWith(e.name.slice(0, -1)) : e.name === name));
}
