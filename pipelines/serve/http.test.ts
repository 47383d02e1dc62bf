import type http from 'node:http';
import { DeadlineExceededError, NotFoundError } from './errors';
import { asRouterError, deadlineMs, pathSegments, withDeadline } from './http';

const withHeaders = (headers: Record<string, string>) => ({ headers }) as unknown as http.IncomingMessage;

describe('http helpers', () => {
  test.each([
    ['/v2/models/alpha/infer', ['v2', 'models', 'alpha', 'infer']],
    ['/v2/models/alpha%2Fbeta/versions/3?x=1', ['v2', 'models', 'alpha/beta', 'versions', '3']],
    ['//v2//health/live/', ['v2', 'health', 'live']],
    ['/', []],
  ])('pathSegments(%s)', (url, expected) => {
    expect(pathSegments(url)).toEqual(expected);
  });

  test('malformed percent-encoding is a 400', () => {
    expect(() => pathSegments('/v2/models/%E0%A4%A')).toThrow(/path: malformed percent-encoding/);
  });

  test.each<[Record<string, string>, number | RegExp]>([
    [{}, 1000],
    [{ 'x-g3-timeout-ms': '250' }, 250],
    [{ 'x-g3-timeout-ms': '5000' }, 1000],
    [{ 'x-g3-timeout-ms': '0' }, /x-g3-timeout-ms: expected a whole number of milliseconds >= 1, got "0"/],
    [{ 'x-g3-timeout-ms': '1.5' }, /x-g3-timeout-ms: expected/],
  ])('deadlineMs(%j) with a server deadline of 1000', (headers, expected) => {
    if (typeof expected === 'number') expect(deadlineMs(withHeaders(headers), 1000)).toBe(expected);
    else expect(() => deadlineMs(withHeaders(headers), 1000)).toThrow(expected);
  });

  test('withDeadline passes results and errors through, and gives up with a 504 after the deadline', async () => {
    await expect(withDeadline(Promise.resolve(7), 50)).resolves.toBe(7);
    await expect(withDeadline(Promise.reject(new NotFoundError('x')), 50)).rejects.toBeInstanceOf(NotFoundError);
    const slow = new Promise((resolve) => setTimeout(resolve, 500));
    const started = Date.now();
    const error = await withDeadline(slow, 30).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect((error as DeadlineExceededError).status).toBe(504);
    expect(Date.now() - started).toBeLessThan(400);
  });

  test('unexpected errors become an opaque 500; expected ones keep their status', () => {
    const internal = asRouterError(new TypeError('x is undefined'));
    expect(internal.unexpected).toBe(true);
    expect([internal.error.status, internal.error.message, internal.error.reason]).toEqual([500, 'internal error', 'internal']);
    const expected = asRouterError(new NotFoundError('no such model'));
    expect([expected.unexpected, expected.error.status]).toEqual([false, 404]);
  });
});
