/** The J-Quants-compatible simulator: a deterministic synthetic market served over HTTP with the real API's shapes. */
export { createSimulator, type Simulator, type SimulatorDeps, type SimulatorStats } from './server';
export { FAULT_KINDS, parseSimOptions, simOptionsSchema, tokyoToday, SimOptionsError, type FaultKind, type SimOptions, type SimOptionsInput } from './options';
export { buildWorld, OUTAGE_DATE, type World } from './world';
export { truthSummary, SIGNAL_DEFINITION, type TruthDay, type TruthQuery, type TruthSummary } from './truth';
export type { FaultStats } from './faults';
