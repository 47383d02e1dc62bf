import fc from 'fast-check';
import { ApiError } from './errors';
import { deepEqual, jsonPatch, mergePatch, strategicMerge } from './patch';

describe('mergePatch (RFC 7386 appendix A)', () => {
  test.each([
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [['a', 'b'], ['c', 'd'], ['c', 'd']],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ])('%j + %j = %j', (target, patch, expected) => {
    expect(mergePatch(target, patch)).toEqual(expected);
  });

  test('never mutates its inputs, and patching with the target itself (no nulls) is the identity', () => {
    const json = fc.jsonValue().filter((v) => !JSON.stringify(v).includes('null'));
    fc.assert(fc.property(fc.dictionary(fc.string(), json), fc.dictionary(fc.string(), json), (target, patch) => {
      const before = JSON.stringify([target, patch]);
      mergePatch(target, patch);
      expect(JSON.stringify([target, patch])).toBe(before);
      expect(deepEqual(mergePatch(target, target), target)).toBe(true);
    }));
  });
});

describe('jsonPatch (RFC 6902 appendix A)', () => {
  test.each([
    ['add an object member', { foo: 'bar' }, [{ op: 'add', path: '/baz', value: 'qux' }], { baz: 'qux', foo: 'bar' }],
    ['add an array element', { foo: ['bar', 'baz'] }, [{ op: 'add', path: '/foo/1', value: 'qux' }], { foo: ['bar', 'qux', 'baz'] }],
    ['append with -', { foo: [1] }, [{ op: 'add', path: '/foo/-', value: 2 }], { foo: [1, 2] }],
    ['remove an object member', { baz: 'qux', foo: 'bar' }, [{ op: 'remove', path: '/baz' }], { foo: 'bar' }],
    ['remove an array element', { foo: ['bar', 'qux', 'baz'] }, [{ op: 'remove', path: '/foo/1' }], { foo: ['bar', 'baz'] }],
    ['replace a value', { baz: 'qux', foo: 'bar' }, [{ op: 'replace', path: '/baz', value: 'boo' }], { baz: 'boo', foo: 'bar' }],
    ['move a value', { foo: { bar: 'baz', waldo: 'fred' }, qux: { corge: 'grault' } }, [{ op: 'move', from: '/foo/waldo', path: '/qux/thud' }], { foo: { bar: 'baz' }, qux: { corge: 'grault', thud: 'fred' } }],
    ['move an array element', { foo: ['all', 'grass', 'cows', 'eat'] }, [{ op: 'move', from: '/foo/1', path: '/foo/3' }], { foo: ['all', 'cows', 'eat', 'grass'] }],
    ['copy', { a: { b: 1 } }, [{ op: 'copy', from: '/a', path: '/c' }], { a: { b: 1 }, c: { b: 1 } }],
    ['test then add', { baz: 'qux', foo: ['a', 2, 'c'] }, [{ op: 'test', path: '/baz', value: 'qux' }, { op: 'test', path: '/foo/1', value: 2 }], { baz: 'qux', foo: ['a', 2, 'c'] }],
    ['escaped pointer tokens', { 'a/b': 1, 'm~n': 2 }, [{ op: 'replace', path: '/a~1b', value: 3 }, { op: 'remove', path: '/m~0n' }], { 'a/b': 3 }],
    ['add a nested member object', { foo: 'bar' }, [{ op: 'add', path: '/child', value: { grandchild: {} } }], { foo: 'bar', child: { grandchild: {} } }],
    ['replace the whole document', { a: 1 }, [{ op: 'replace', path: '', value: { b: 2 } }], { b: 2 }],
  ])('%s', (_what, target, ops, expected) => {
    const before = JSON.stringify(target);
    expect(jsonPatch(target, ops)).toEqual(expected);
    expect(JSON.stringify(target)).toBe(before);
  });

  test.each([
    ['a failing test', { baz: 'qux' }, [{ op: 'test', path: '/baz', value: 'bar' }], 422],
    ['a missing path to remove', { foo: 'bar' }, [{ op: 'remove', path: '/baz' }], 422],
    ['adding under a missing parent', { q: { bar: 2 } }, [{ op: 'add', path: '/a/b', value: 1 }], 422],
    ['an index past the end', { foo: [1] }, [{ op: 'add', path: '/foo/5', value: 1 }], 422],
    ['an unknown op', {}, [{ op: 'frobnicate', path: '/a' }], 400],
    ['a non-array body', {}, { op: 'add' }, 400],
  ])('%s is refused with %#', (_what, target, ops, code) => {
    try {
      jsonPatch(target, ops);
      throw new Error('expected a failure');
    } catch (error) {
      expect(error).toBeInstanceOf(ApiError);
      expect((error as ApiError).code).toBe(code);
    }
  });
});

describe('strategicMerge', () => {
  const pod = { spec: { containers: [{ name: 'a', image: 'a:1', ports: [{ containerPort: 80, name: 'http' }] }, { name: 'b', image: 'b:1' }] }, metadata: { finalizers: ['x'] } };
  test.each([
    ['merges containers by name', { spec: { containers: [{ name: 'b', image: 'b:2' }] } }, (r: any) => expect(r.spec.containers.map((c: any) => c.image)).toEqual(['a:1', 'b:2'])],
    ['merges container ports by containerPort', { spec: { containers: [{ name: 'a', ports: [{ containerPort: 80, protocol: 'TCP' }, { containerPort: 81 }] }] } },
      (r: any) => expect(r.spec.containers[0].ports).toEqual([{ containerPort: 80, name: 'http', protocol: 'TCP' }, { containerPort: 81 }])],
    ['deletes a keyed item with $patch: delete', { spec: { containers: [{ name: 'a', $patch: 'delete' }] } }, (r: any) => expect(r.spec.containers.map((c: any) => c.name)).toEqual(['b'])],
    ['replaces a map with $patch: replace', { spec: { $patch: 'replace', containers: [] } }, (r: any) => expect(r.spec).toEqual({ containers: [] })],
    ['unions finalizers', { metadata: { finalizers: ['y', 'x'] } }, (r: any) => expect(r.metadata.finalizers).toEqual(['x', 'y'])],
    ['deletes from a primitive list', { metadata: { '$deleteFromPrimitiveList/finalizers': ['x'] } }, (r: any) => expect(r.metadata.finalizers).toEqual([])],
    ['deletes a field with null', { spec: { containers: null } }, (r: any) => expect(r.spec).toEqual({})],
    ['replaces unknown lists wholesale', { spec: { args: ['z'] } }, (r: any) => expect(r.spec.args).toEqual(['z'])],
  ])('%s', (_what, patch, check) => {
    const before = JSON.stringify(pod);
    check(strategicMerge(pod, patch));
    expect(JSON.stringify(pod)).toBe(before);
  });

  test('conditions merge by type (server-side apply keeps live fields the configuration omits)', () => {
    const live = { status: { conditions: [{ type: 'Ready', status: 'False', reason: 'Init' }, { type: 'Stalled', status: 'False' }] }, spec: { keep: 1 } };
    const applied = strategicMerge(live, { status: { conditions: [{ type: 'Ready', status: 'True', reason: null }] } }, false) as any;
    expect(applied.status.conditions).toEqual([{ type: 'Ready', status: 'True', reason: 'Init' }, { type: 'Stalled', status: 'False' }]);
    expect(applied.spec).toEqual({ keep: 1 });
  });
});
