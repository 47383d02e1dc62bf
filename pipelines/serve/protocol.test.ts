import fc from 'fast-check';
import { BadRequestError } from './errors';
import {
  fieldPath, inferRequest, inferResponse, modelMetadata, parseInferRequest, parseInferResponse, parseJsonBody, parseScoreRequest, quoteNonFiniteTokens,
} from './protocol';

const limits = { features: 3, maxBatch: 4 };
const req = (input: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ inputs: [{ name: 'features', shape: [2, 3], datatype: 'FP32', data: [1, 2, 3, 4, 5, 6], ...input }], ...extra });

describe('parseInferRequest', () => {
  test('flat FP32 data becomes a Float32Array of n × F', () => {
    const out = parseInferRequest(req({}, { id: 'r1' }), limits);
    expect(out).toEqual({ id: 'r1', rows: 2, data: Float32Array.from([1, 2, 3, 4, 5, 6]) });
  });

  test('data nested by row is accepted', () => {
    expect(parseInferRequest(req({ data: [[1, 2, 3], [4, 5, 6]] }), limits).data).toEqual(Float32Array.from([1, 2, 3, 4, 5, 6]));
  });

  test('FP64 is narrowed to float32', () => {
    const out = parseInferRequest(req({ datatype: 'FP64', shape: [1, 3], data: [0.1, 1 / 3, 1e-40] }), limits);
    expect(Array.from(out.data)).toEqual([Math.fround(0.1), Math.fround(1 / 3), Math.fround(1e-40)]);
  });

  test('requested outputs naming "prediction" are fine', () => {
    expect(parseInferRequest(req({}, { outputs: [{ name: 'prediction' }] }), limits).rows).toBe(2);
  });

  test.each<[string, unknown, RegExp]>([
    ['not an object', 'hello', /^\(body\): /],
    ['no inputs', {}, /^inputs: /],
    ['empty inputs', { inputs: [] }, /^inputs: expected at least one tensor/],
    ['wrong input name', req({ name: 'x' }), /^inputs\[0\]\.name: unknown input "x"; the model takes one input "features"/],
    ['two inputs', { inputs: [req({}).inputs[0], req({}).inputs[0]] }, /^inputs: expected exactly one tensor "features", got 2/],
    ['INT64', req({ datatype: 'INT64' }), /^inputs\[0\]\.datatype: expected one of FP32, FP64, got "INT64"/],
    ['datatype not a string', req({ datatype: 5 }), /^inputs\[0\]\.datatype: expected a string/],
    ['shape of rank 1', req({ shape: [6] }), /^inputs\[0\]\.shape: expected \[n, 3\].*got \[6\]/],
    ['wrong feature count', req({ shape: [3, 2] }), /^inputs\[0\]\.shape: expected \[n, 3\].*got \[3,2\]/],
    ['negative dim', req({ shape: [-1, 3] }), /^inputs\[0\]\.shape\[0\]: /],
    ['zero rows', req({ shape: [0, 3], data: [] }), /^inputs\[0\]\.shape: expected n >= 1 rows, got 0/],
    ['batch too large', req({ shape: [5, 3], data: new Array(15).fill(0) }), /^inputs\[0\]\.shape: 5 rows exceed the maximum batch of 4/],
    ['too few values', req({ data: [1, 2, 3, 4, 5] }), /^inputs\[0\]\.data: expected 6 values for shape \[2, 3\], got 5/],
    ['too many values', req({ data: [1, 2, 3, 4, 5, 6, 7] }), /^inputs\[0\]\.data: expected 6 values .* got 7/],
    ['nested row too short', req({ data: [[1, 2, 3], [4, 5]] }), /^inputs\[0\]\.data\[1\]: expected an array of 3 numbers/],
    ['nested wrong row count', req({ data: [[1, 2, 3]] }), /^inputs\[0\]\.data: expected 2 rows/],
    ['a string value', req({ data: [1, 2, 3, 4, 'x', 6] }), /^inputs\[0\]\.data: row 1, column 1: expected a number, got "x"/],
    ['a null value', req({ data: [1, 2, null, 4, 5, 6] }), /^inputs\[0\]\.data: row 0, column 2: expected a number, got null/],
    ['"NaN" as a string', req({ data: [1, 2, 3, 4, 5, 'NaN'] }), /^inputs\[0\]\.data: row 1, column 2 is NaN; values must be finite/],
    ['nested -Infinity', req({ data: [[1, 2, 3], [4, '-Infinity', 6]] }), /^inputs\[0\]\.data: row 1, column 1 is -Infinity; values must be finite/],
    ['FP32 overflow', req({ data: [1, 2, 3, 4, 5, 1e39] }), /^inputs\[0\]\.data: row 1, column 2: 1e\+39 overflows FP32/],
    ['FP64 overflow', req({ datatype: 'FP64', data: [-1e300, 2, 3, 4, 5, 6] }), /row 0, column 0: -1e\+300 overflows FP64 narrowed to FP32/],
    ['unknown output', req({}, { outputs: [{ name: 'score' }] }), /^outputs\[0\]\.name: unknown output "score"/],
    ['id not a string', req({}, { id: 7 }), /^id: expected a string/],
  ])('%s → 400 naming the field', (_case, body, message) => {
    let caught: unknown;
    try {
      parseInferRequest(body, limits);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(BadRequestError);
    expect((caught as BadRequestError).status).toBe(400);
    expect((caught as Error).message).toMatch(message);
  });

  test('any finite float32 matrix survives JSON and comes back bit for bit', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 4 }), fc.array(fc.float({ noNaN: true, noDefaultInfinity: true }), { minLength: 12, maxLength: 12 }), (rows, values) => {
      // JSON has no -0.
      const data = Float32Array.from(values.slice(0, rows * 3), (x) => (Object.is(x, -0) ? 0 : x));
      const body = JSON.parse(JSON.stringify(inferRequest(data, rows, 3)));
      expect(parseInferRequest(body, limits).data).toEqual(data);
    }));
  });
});

describe('parseJsonBody', () => {
  test('bare NaN / Infinity (Python json, numpy) are read as strings so validation can place them', () => {
    const body = parseJsonBody('{"inputs":[{"name":"features","shape":[2,3],"datatype":"FP64","data":[1,2,3,4,NaN,-Infinity]}]}', true);
    expect(() => parseInferRequest(body, limits)).toThrow(/row 1, column 1 is NaN/);
  });

  test.each([
    ['{"a":', true],
    ['{"a": NaN', true],
    ['{"a": NaN}', false],
    ['', false],
  ])('%j (non-finite tokens allowed: %p) is malformed JSON → 400', (text, nonFinite) => {
    expect(() => parseJsonBody(text, nonFinite)).toThrow(/^request body: malformed JSON/);
  });
});

describe('quoteNonFiniteTokens', () => {
  test.each([
    ['[NaN, Infinity, -Infinity]', '["NaN", "Infinity", "-Infinity"]'],
    ['{"NaN": "Infinity NaN", "x": NaN}', '{"NaN": "Infinity NaN", "x": "NaN"}'],
    ['{"s": "a\\"NaN"}', '{"s": "a\\"NaN"}'],
    ['[1, 2.5e3, -4]', '[1, 2.5e3, -4]'],
    ['NaN', '"NaN"'],
  ])('%s → %s', (input, expected) => {
    expect(quoteNonFiniteTokens(input)).toBe(expected);
  });

  test('valid JSON without such tokens is returned unchanged', () => {
    fc.assert(fc.property(fc.jsonValue(), (value) => {
      const text = JSON.stringify(value);
      expect(quoteNonFiniteTokens(text)).toBe(text);
    }));
  });
});

describe('responses', () => {
  test('inferResponse follows KServe v2 and echoes the id', () => {
    expect(inferResponse('alpha', 3, 'r1', Float32Array.from([0.5, 1.5]))).toEqual({
      model_name: 'alpha', model_version: '3', id: 'r1', outputs: [{ name: 'prediction', shape: [2, 1], datatype: 'FP32', data: [0.5, 1.5] }],
    });
    expect(inferResponse('alpha', 3, undefined, new Float32Array(1))).not.toHaveProperty('id');
  });

  test('parseInferResponse reads a peer\'s answer and refuses one of the wrong shape', () => {
    const ok = inferResponse('alpha', 3, undefined, Float32Array.from([1, 2]));
    expect(parseInferResponse(ok, 2)).toEqual(Float32Array.from([1, 2]));
    expect(() => parseInferResponse(ok, 3)).toThrow(/shape \[2,1\] and 2 values, expected \[3, 1\]/);
    expect(() => parseInferResponse({ outputs: [{ ...ok.outputs[0], name: 'other' }] }, 2)).toThrow(/no output "prediction"/);
    expect(() => parseInferResponse({ outputs: 'x' }, 2)).toThrow(/^response\.outputs: /);
    expect(() => parseInferResponse({ outputs: [{ ...ok.outputs[0], datatype: 'BYTES' }] }, 2)).toThrow(/datatype BYTES/);
  });

  test('modelMetadata describes the graph with a variable batch', () => {
    expect(modelMetadata('alpha', [3, 4], 5)).toEqual({
      name: 'alpha', versions: ['3', '4'], platform: 'onnxruntime_onnx',
      inputs: [{ name: 'features', datatype: 'FP32', shape: [-1, 5] }], outputs: [{ name: 'prediction', datatype: 'FP32', shape: [-1, 1] }],
    });
  });
});

describe('parseScoreRequest', () => {
  test.each<[unknown, RegExp]>([
    [{}, /^tickers: expected an array of ticker codes/],
    [{ tickers: [] }, /^tickers: expected at least one ticker/],
    [{ tickers: ['7203', 7203] }, /^tickers\[1\]: expected ticker codes as strings/],
    [{ tickers: [''] }, /^tickers\[0\]: expected a non-empty ticker code/],
    [{ tickers: ['a', 'b', 'c'] }, /^tickers: 3 tickers exceed the maximum batch of 2/],
    [{ tickers: ['a'], model: 1 }, /^model: expected a model name/],
  ])('%j → %s', (body, message) => {
    expect(() => parseScoreRequest(body, 2)).toThrow(message);
  });

  test('a valid body passes', () => {
    expect(parseScoreRequest({ tickers: ['7203', '6758'], model: 'alpha' }, 2)).toEqual({ tickers: ['7203', '6758'], model: 'alpha' });
  });
});

test('fieldPath renders zod paths as the fields a client wrote', () => {
  expect(fieldPath(['inputs', 0, 'shape', 1])).toBe('inputs[0].shape[1]');
  expect(fieldPath([])).toBe('(body)');
  expect(fieldPath(['a'], 'response')).toBe('response.a');
});
