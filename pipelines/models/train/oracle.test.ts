import { tickerOfCode } from '../../adjust';
import { buildWorld, truthSummary } from '../../sources/jquants/sim';
import { checkCoverage, oracleFromWorld, OracleError, simOracle, type SimMarket } from './oracle';

const market: SimMarket = { seed: 3, codes: 25, from: '2024-01-04', asOf: '2024-03-29', signalIc: 0.3 };
const world = buildWorld(market);
const oracle = oracleFromWorld(world, market);

describe('oracleFromWorld', () => {
  it('gives each (date, ticker) row the planted signal of that session, by the pipeline\'s ticker', () => {
    const date = world.sessions[10];
    const values = truthSummary(world, { signalsDate: date }).signals!.values;
    const tickers = values.map((v) => tickerOfCode(v.code));
    expect(tickers.every((t) => t.length === 4)).toBe(true);
    const got = oracle.signals(tickers.map(() => date), tickers);
    expect(Array.from(got)).toEqual(values.map((v) => v.value));
    // A different session's values differ (the signal moves), so the date is honoured.
    const next = oracle.signals(tickers.map(() => world.sessions[11]), tickers);
    expect(Array.from(next)).not.toEqual(Array.from(got));
  });

  it('has no value for a ticker outside the market or a day without a session', () => {
    const t = tickerOfCode(world.uni.codes[0]);
    const got = oracle.signals([world.sessions[3], world.sessions[3], '2024-01-06'], ['0000', t, t]);
    expect(Number.isNaN(got[0])).toBe(true);
    expect(Number.isFinite(got[1])).toBe(true);
    expect(Number.isNaN(got[2])).toBe(true); // a Saturday
  });

  it('reports the simulator\'s own next-session IC and the signal persistence', () => {
    const s = truthSummary(world, { from: '2024-02-01', to: '2024-02-29' });
    expect(oracle.nextSessionIc('2024-02-01', '2024-02-29')).toEqual({ meanIc: s.meanIc, days: s.days });
    expect(oracle.phi).toBe(0.9);
  });
});

describe('simOracle', () => {
  it('builds the market from the simulator options', () => {
    const o = simOracle(market);
    const t = tickerOfCode(world.uni.codes[1]);
    expect(Array.from(o.signals([world.sessions[5]], [t]))).toEqual(Array.from(oracle.signals([world.sessions[5]], [t])));
    expect(o.market).toBe(market);
  });
  it('turns invalid options into an OracleError', () => {
    expect(() => simOracle({ ...market, asOf: '2023-01-01' })).toThrow(OracleError);
  });
});

describe('checkCoverage', () => {
  it.each([
    [[1, 2, NaN, 4], 0.75],
    [[1, NaN], 0.5],
  ])('%j → share %d', (values, share) => {
    expect(checkCoverage(Float64Array.from(values), market)).toBe(share);
  });
  it('fails below half the rows, naming the options to check', () => {
    expect(() => checkCoverage(Float64Array.of(1, NaN, NaN), market)).toThrow(
      'only 33.3 % of the rows have a planted signal in the simulated market (seed 3, codes 25, from 2024-01-04); pass the --sim-* options the data was fetched with',
    );
    expect(() => checkCoverage(new Float64Array(0), market)).toThrow(OracleError);
  });
});
