export * from './errors';
export * from './fields';
export { createJQuantsClient, JQuantsClient, splitRange, type FetchResult, type JQuantsSource, type QueryParams } from './client';
export { normalizeRecords, type RejectedRecord, type RecordIssue } from './normalize';
export { RateLimiter } from './rate-limiter';
