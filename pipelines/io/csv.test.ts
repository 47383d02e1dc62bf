import { csvCell, toCsv } from './csv';

describe('csv output', () => {
  it.each([
    [null, ''], [undefined, ''], [NaN, ''], [1.5, '1.5'], [true, '1'], ['a,b', '"a,b"'], ['say "hi"', '"say ""hi"""'], ['x\ny', '"x\ny"'], ['日本', '日本'],
  ])('%p → %p', (value, expected) => {
    expect(csvCell(value)).toBe(expected);
  });

  it('writes a header and rows in header order', () => {
    expect(toCsv(['a', 'b'], [{ b: 2, a: 1 }, { a: null }])).toBe('a,b\n1,2\n,\n');
  });
});
