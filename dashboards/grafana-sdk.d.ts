/*
 * The SDK publishes its modules only through package.json "exports" subpaths (`…/dashboard`), which the
 * project's moduleResolution node10 does not read; tsx, node and jest do. These declarations point the type
 * checker at the same files the runtime loads, so imports stay the documented `@grafana/grafana-foundation-sdk/x`.
 */
declare module '@grafana/grafana-foundation-sdk/cog' { export * from '@grafana/grafana-foundation-sdk/dist/cog'; }
declare module '@grafana/grafana-foundation-sdk/common' { export * from '@grafana/grafana-foundation-sdk/dist/common'; }
declare module '@grafana/grafana-foundation-sdk/dashboard' { export * from '@grafana/grafana-foundation-sdk/dist/dashboard'; }
declare module '@grafana/grafana-foundation-sdk/prometheus' { export * from '@grafana/grafana-foundation-sdk/dist/prometheus'; }
declare module '@grafana/grafana-foundation-sdk/timeseries' { export * from '@grafana/grafana-foundation-sdk/dist/timeseries'; }
declare module '@grafana/grafana-foundation-sdk/stat' { export * from '@grafana/grafana-foundation-sdk/dist/stat'; }
declare module '@grafana/grafana-foundation-sdk/heatmap' { export * from '@grafana/grafana-foundation-sdk/dist/heatmap'; }
declare module '@grafana/grafana-foundation-sdk/table' { export * from '@grafana/grafana-foundation-sdk/dist/table'; }
