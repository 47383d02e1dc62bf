/**
 * Weekly investor-type flows of the ticker's market section, point in time: a week counts from the first
 * session after its publication, in the latest correction published by then (adjust/investor-types.ts).
 */
import { flows, type FlowFeature } from '../define';
import { latestZScore, signSum, windowSum } from '../kernels/flows';

export const FLOW_FEATURES: FlowFeature[] = [
  flows('foreign_z_5', 'foreigners_balance', { window: 5 }, (w) => latestZScore(w, 5)),
  flows('foreign_z_10', 'foreigners_balance', { window: 10 }, (w) => latestZScore(w, 10)),
  flows('flow_persist_10', 'foreigners_balance', { window: 10 }, (w) => signSum(w, 10), 'int32'),
  flows('foreign_sum_4', 'foreigners_balance', { window: 4 }, (w) => windowSum(w, 4)),
  flows('individual_z_5', 'individuals_balance', { window: 5 }, (w) => latestZScore(w, 5)),
  flows('individual_persist_10', 'individuals_balance', { window: 10 }, (w) => signSum(w, 10), 'int32'),
  flows('trust_bank_z_5', 'trust_banks_balance', { window: 5 }, (w) => latestZScore(w, 5)),
  flows('investment_trust_z_5', 'investment_trusts_balance', { window: 5 }, (w) => latestZScore(w, 5)),
];
