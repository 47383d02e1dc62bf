import { MethodNotAllowedError, NotFoundError } from './errors';
import { matchRoute } from './routes';

describe('matchRoute', () => {
  test.each([
    ['GET', '/v2', { kind: 'server' }],
    ['GET', '/v2/health/live', { kind: 'live' }],
    ['HEAD', '/v2/health/ready', { kind: 'ready' }],
    ['GET', '/metrics', { kind: 'metrics' }],
    ['POST', '/v1/score', { kind: 'score' }],
    ['GET', '/v2/models/alpha', { kind: 'modelInfo', model: 'alpha', version: undefined }],
    ['GET', '/v2/models/alpha/versions/3', { kind: 'modelInfo', model: 'alpha', version: '3' }],
    ['GET', '/v2/models/alpha/ready', { kind: 'modelReady', model: 'alpha', version: undefined }],
    ['GET', '/v2/models/alpha/versions/3/ready', { kind: 'modelReady', model: 'alpha', version: '3' }],
    ['POST', '/v2/models/alpha/infer?debug=1', { kind: 'infer', model: 'alpha', version: undefined }],
    ['POST', '/v2/models/alpha/versions/12/infer', { kind: 'infer', model: 'alpha', version: '12' }],
    ['POST', '/v2/models/al%70ha/infer', { kind: 'infer', model: 'alpha', version: undefined }],
  ])('%s %s', (method, url, expected) => {
    expect(matchRoute(method, url)).toEqual(expected);
  });

  test.each([
    ['GET', '/'],
    ['GET', '/v2/health'],
    ['GET', '/v2/health/other'],
    ['GET', '/v2/models'],
    ['GET', '/v2/models/alpha/versions'],
    ['POST', '/v2/models/alpha/explain'],
    ['GET', '/v1/score/extra'],
  ])('%s %s → 404', (method, url) => {
    expect(() => matchRoute(method, url)).toThrow(NotFoundError);
  });

  test.each([
    ['GET', '/v2/models/alpha/infer', 'POST'],
    ['PUT', '/v1/score', 'POST'],
    ['POST', '/v2/health/live', 'GET'],
    ['DELETE', '/metrics', 'GET'],
  ])('%s %s → 405 allowing %s', (method, url, allow) => {
    let caught: unknown;
    try {
      matchRoute(method, url);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(MethodNotAllowedError);
    expect((caught as MethodNotAllowedError).allow).toEqual([allow]);
    expect((caught as Error).message).toBe(`${method} is not allowed on ${url}; use ${allow}`);
  });
});
