import { contentChecksum, fingerprint } from './fingerprint';

describe('fingerprint', () => {
  it.each([
    [[{ a: 1, b: 2 }], [{ b: 2, a: 1 }], true],
    [[1, '1'], ['1', 1], false],
    [[null], [undefined], true],
    [[NaN], [null], false],
    [[['ab', 'c']], [['a', 'bc']], false],
  ])('%p vs %p equal=%p', (a, b, equal) => {
    expect(fingerprint(...a) === fingerprint(...b)).toBe(equal);
  });
});

describe('contentChecksum', () => {
  const rows = [{ ticker: '7203', date: '2024-01-04', close: 1, _ingested_at: 'x', run_id: 'r1' }, { ticker: '1301', date: '2024-01-04', close: 2, _ingested_at: 'y', run_id: 'r1' }];
  it('ignores row order and processing-time columns', () => {
    const again = [{ ...rows[1], _ingested_at: 'z', run_id: 'r2' }, { ...rows[0], run_id: 'r2' }];
    expect(contentChecksum(again, ['ticker', 'date'])).toBe(contentChecksum(rows, ['ticker', 'date']));
  });
  it('changes when a value changes', () => {
    expect(contentChecksum([{ ...rows[0], close: 1.0000001 }, rows[1]], ['ticker'])).not.toBe(contentChecksum(rows, ['ticker']));
  });
});
