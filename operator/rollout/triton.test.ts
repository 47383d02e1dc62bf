import { json, startScriptedServer } from '../../test/helpers/scripted-server';
import { httpTritonRepository, loadRequestBody, TritonError } from './triton';

describe('Triton repository client', () => {
  it('pins the versions in the load request', () => {
    expect(loadRequestBody([4, 3, 4])).toEqual({ parameters: { config: '{"version_policy":{"specific":{"versions":[3,4]}}}' } });
  });

  it('POSTs /v2/repository/models/{name}/load', async () => {
    const server = await startScriptedServer((_req, res) => json(res, 200, {}));
    try {
      await httpTritonRepository({ url: `${server.url}/` }).loadVersions('lgbm daily', [3, 4]);
      expect(server.requests.map((r) => [r.method, r.path])).toEqual([['POST', '/v2/repository/models/lgbm%20daily/load']]);
      expect(JSON.parse(server.requests[0].body)).toEqual(loadRequestBody([3, 4]));
    } finally {
      await server.close();
    }
  });

  it.each<[string, number, unknown, RegExp]>([
    ['Triton\'s error body', 400, { error: 'failed to load \'lgbm\', failed to poll from model repository' }, /answered 400: failed to load 'lgbm'/],
    ['a non-JSON body', 503, 'upstream down', /answered 503: "upstream down"/],
  ])('a failed load is a TritonError with %s', async (_name, status, body, message) => {
    const server = await startScriptedServer((_req, res) => json(res, status, body));
    try {
      const error = await httpTritonRepository({ url: server.url }).loadVersions('lgbm', [3]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TritonError);
      expect((error as Error).message).toMatch(message);
    } finally {
      await server.close();
    }
  });
});
