import fc from 'fast-check';
import { toCsv } from '../pipelines/io/csv';
import type { CompiledContract } from './compile';
import { parseCsv } from './csv';
import { loadAllContracts } from './loader';
import { asCsvRow, PRICE_ROW } from './testing';
import { validateRows, type ValidationResult } from './validate';

const contracts = loadAllContracts();

function expectConsistent(result: ValidationResult, n: number, offset = 0): void {
  expect(result.valid.length + result.quarantined.length).toBe(n);
  expect(result.counts).toMatchObject({ input: n, valid: result.valid.length, quarantined: result.quarantined.length });
  expect(Object.values(result.counts.byRule).reduce((a, b) => a + b, 0)).toBe(result.issues.length);
  const rows = result.quarantined.map((q) => q.row);
  expect(rows).toEqual([...new Set(rows)].sort((a, b) => a - b));
  for (const q of result.quarantined) {
    expect(q.issues.length).toBeGreaterThan(0);
    expect(q.row).toBeGreaterThan(offset);
    expect(q.row).toBeLessThanOrEqual(offset + n);
    for (const issue of q.issues) {
      expect(issue.row).toBe(q.row);
      expect(typeof issue.rule).toBe('string');
      expect(typeof issue.message).toBe('string');
    }
  }
}

/** Cells that are plausible for some field, wrong for others, or plain junk. */
const cell = fc.oneof(
  fc.anything(),
  fc.string(),
  fc.constantFrom('', '0', '-5', '1e3', 'NaN', 'Infinity', '7203', '72030', '130A0', '99999', '2024-01-04', '2020-10-01', '0000-01-01', '9999-12-31', 'true', '__proto__'),
  fc.double(),
  fc.integer(),
  fc.bigInt(),
  fc.date(),
  fc.constant(null),
  fc.constant(undefined),
);

function contractRow(contract: CompiledContract) {
  const keys = [...contract.fields.map((f) => f.name), 'code', 'extra_col', '_ingested_at', 'constructor', '__proto__'];
  return fc.dictionary(fc.constantFrom(...keys), cell, { maxKeys: keys.length });
}

describe.each(contracts.map((c) => [c.id, c] as const))('%s: validateRows is total', (_id, contract) => {
  it('never throws on arbitrary values, and valid + quarantined = input', () => {
    fc.assert(fc.property(fc.array(fc.anything(), { maxLength: 12 }), fc.nat(1000), (rows, offset) => {
      const result = validateRows(contract, rows as Array<Record<string, unknown>>, { rowOffset: offset });
      expectConsistent(result, rows.length, offset);
    }));
  });

  it('never throws on arbitrary records (fc.dictionary)', () => {
    fc.assert(fc.property(fc.array(fc.dictionary(fc.string(), fc.anything()), { maxLength: 8 }), fc.constantFrom('csv', 'typed') as fc.Arbitrary<'csv' | 'typed'>, (rows, source) => {
      expectConsistent(validateRows(contract, rows, { source }), rows.length);
    }), { numRuns: 60 });
  });

  it('never throws on rows with the contract\'s own columns holding junk', () => {
    fc.assert(fc.property(fc.array(contractRow(contract), { maxLength: 8 }), fc.constantFrom('csv', 'typed') as fc.Arbitrary<'csv' | 'typed'>, (rows, source) => {
      expectConsistent(validateRows(contract, rows, { source }), rows.length);
    }), { numRuns: 60 });
  });
});

describe('properties of valid data', () => {
  const price = contracts.find((c) => c.name === 'price_data')!;

  it('a generated consistent bar is valid, typed or as CSV text', () => {
    const bar = fc.record({
      ticker: fc.stringMatching(/^[1-9][0-9]{2}[0-9A-Z]$/),
      prices: fc.array(fc.integer({ min: 1, max: 1_000_000 }), { minLength: 4, maxLength: 4 }),
      volume: fc.nat(),
    }).map(({ ticker, prices, volume }) => {
      const [high, low] = [Math.max(...prices), Math.min(...prices)];
      return { ...PRICE_ROW, ticker, open: prices[0], close: prices[1], high, low, volume, adjustment_open: prices[0], adjustment_close: prices[1], adjustment_high: high, adjustment_low: low };
    });
    fc.assert(fc.property(bar, (row) => {
      expect(validateRows(price, [row]).issues).toEqual([]);
      expect(validateRows(price, [asCsvRow(row)], { source: 'csv' }).valid[0]).toEqual(validateRows(price, [row]).valid[0]);
    }));
  });
});

describe('CSV', () => {
  it('parses back what an RFC 4180 writer wrote', () => {
    const names = fc.uniqueArray(fc.string({ minLength: 1 }).filter((s) => s.charCodeAt(0) !== 0xfeff), { minLength: 2, maxLength: 5 });
    fc.assert(fc.property(names.chain((header) => fc.tuple(
      fc.constant(header),
      fc.array(fc.tuple(...header.map(() => fc.string())), { maxLength: 8 }),
    )), ([header, cells]) => {
      const rows = cells.map((values) => Object.fromEntries(header.map((h, i) => [h, values[i]])));
      const parsed = parseCsv(toCsv(header, rows));
      expect(parsed.header).toEqual(header);
      expect(parsed.rows).toEqual(rows);
    }));
  });

  it('never throws anything but a CsvSyntaxError', () => {
    fc.assert(fc.property(fc.string({ unit: fc.constantFrom('a', ',', '"', '\r', '\n', '\uFEFF', 'x') }), (text) => {
      try {
        parseCsv(text);
      } catch (error) {
        expect((error as Error).name).toBe('CsvSyntaxError');
      }
    }), { numRuns: 500 });
  });
});
