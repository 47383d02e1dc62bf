import { ApiError } from './errors';
import { fieldSelector, labelSelector } from './selectors';

const obj = (labels: Record<string, string>, extra: Record<string, unknown> = {}) => ({ metadata: { name: 'n', namespace: 'ns', labels }, ...extra });

describe('labelSelector', () => {
  test.each([
    ['', {}, true],
    ['a=b', { a: 'b' }, true],
    ['a==b', { a: 'b' }, true],
    ['a=b', { a: 'c' }, false],
    ['a!=b', {}, true],
    ['a!=b', { a: 'b' }, false],
    ['a in (b, c)', { a: 'c' }, true],
    ['a in (b,c)', {}, false],
    ['a notin (b,c)', {}, true],
    ['a notin (b,c)', { a: 'b' }, false],
    ['a', { a: '' }, true],
    ['!a', { a: '' }, false],
    ['!a', { b: 'x' }, true],
    ['a=b, c in (d), !e', { a: 'b', c: 'd' }, true],
    ['a=b,c in (d),!e', { a: 'b', c: 'd', e: '1' }, false],
    ['app.kubernetes.io/name=x', { 'app.kubernetes.io/name': 'x' }, true],
  ])('%j on %j is %s', (selector, labels, expected) => {
    expect(labelSelector(selector)(obj(labels))).toBe(expected);
  });

  test.each(['a in b', 'a in (b', '=b', 'a b'])('%j is a 400', (selector) => {
    expect(() => labelSelector(selector)).toThrow(ApiError);
  });
});

describe('fieldSelector', () => {
  test.each([
    ['metadata.name=n', true],
    ['metadata.name==n,metadata.namespace=ns', true],
    ['metadata.name!=n', false],
    ['status.phase=Running', true],
    ['spec.nodeName=', true],
    ['involvedObject.name=x', false],
  ])('%j is %s', (selector, expected) => {
    expect(fieldSelector(selector)(obj({}, { status: { phase: 'Running' } }))).toBe(expected);
  });

  test('set-based operators are refused', () => {
    expect(() => fieldSelector('metadata.name in (a)')).toThrow(/field selector/);
  });
});
