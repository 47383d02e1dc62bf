import { lowerBound } from './search';

describe('lowerBound', () => {
  it.each([
    [[1, 3, 3, 5], 3, 1], [[1, 3, 3, 5], 4, 3], [[1, 3], 0, 0], [[1, 3], 9, 2], [[], 1, 0],
    [['2024-01-04', '2024-01-05'], '2024-01-05', 1], [['2024-01-04'], '2024-01-03', 0],
  ] as Array<[Array<number | string>, number | string, number]>)('%p, %p → %d', (sorted, value, expected) => {
    expect(lowerBound(sorted, value)).toBe(expected);
  });
});
