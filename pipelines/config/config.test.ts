import { ConfigError, loadConfig, redactConfig, splitJQuantsUrl } from './config';

describe('loadConfig', () => {
  it('has embedded defaults needing no credentials or cluster', () => {
    const config = loadConfig({}, {}, '/srv/app');
    expect(config).toEqual(expect.objectContaining({
      dataDir: '/srv/app/data',
      objectStore: 'file:///srv/app/data/lake',
      dwh: 'duckdb:///srv/app/data/warehouse.duckdb',
      onlineStore: 'embedded',
    }));
    expect(config.quarantineMaxRatio).toBeUndefined();
    expect(loadConfig({ GOGOOKU3_QUARANTINE_MAX_RATIO: '0.05' }).quarantineMaxRatio).toBe(0.05);
    expect(config.jquants).toEqual(expect.objectContaining({ baseUrl: 'https://api.jquants.com', apiVersion: 'v1', plan: 'light', requestsPerMinute: 60, auth: { kind: 'none' } }));
  });

  it.each([
    [{ JQUANTS_API_KEY: 'k' }, 'v2', { kind: 'apiKey', apiKey: 'k' }],
    [{ JQUANTS_MAIL_ADDRESS: 'a@b', JQUANTS_PASSWORD: 'p' }, 'v1', { kind: 'password', mailAddress: 'a@b', password: 'p' }],
    [{ JQUANTS_REFRESH_TOKEN: 'r' }, 'v1', { kind: 'refreshToken', refreshToken: 'r' }],
    [{ JQUANTS_API_KEY: 'k', GOGOOKU3_JQUANTS_URL: 'http://127.0.0.1:8181/v1' }, 'v1', { kind: 'apiKey', apiKey: 'k' }],
  ])('credentials %p choose API %s', (env, version, auth) => {
    const config = loadConfig(env);
    expect(config.jquants.apiVersion).toBe(version);
    expect(config.jquants.auth).toEqual(auth);
  });

  it.each([
    [{ GOGOOKU3_JQUANTS_PLAN: 'free' }, 5],
    [{ GOGOOKU3_JQUANTS_PLAN: 'Premium' }, 500],
    [{ GOGOOKU3_JQUANTS_PLAN: 'standard', GOGOOKU3_JQUANTS_RATE_LIMIT: '90' }, 90],
  ])('rate limit from plan %p = %d/min', (env, limit) => {
    expect(loadConfig(env).jquants.requestsPerMinute).toBe(limit);
  });

  it.each([
    [{ GOGOOKU3_JQUANTS_PLAN: 'gold' }, /GOGOOKU3_JQUANTS_PLAN: .*"free".*"light".*"standard".*"premium"/],
    [{ GOGOOKU3_DWH: 'postgres://x' }, /GOGOOKU3_DWH must be a URL with scheme duckdb:\/\/ \| clickhouse:\/\//],
    [{ GOGOOKU3_ONLINE_STORE: 'memcached://x' }, /GOGOOKU3_ONLINE_STORE/],
    [{ GOGOOKU3_JQUANTS_CONCURRENCY: '0' }, /GOGOOKU3_JQUANTS_CONCURRENCY/],
    [{ JQUANTS_MAIL_ADDRESS: 'a@b' }, /JQUANTS_PASSWORD/],
    [{ GOGOOKU3_JQUANTS_URL: 'ftp://x' }, /GOGOOKU3_JQUANTS_URL must be a URL with scheme http:\/\/ \| https:\/\//],
    [{ GOGOOKU3_OBJECT_STORE: 'gs://bucket/lake' }, /GOGOOKU3_OBJECT_STORE must be a URL with scheme file:\/\/ \| s3:\/\//],
    [{ AWS_ACCESS_KEY_ID: 'AKIA' }, /AWS_SECRET_ACCESS_KEY \(set together with AWS_ACCESS_KEY_ID\)/],
    [{ AWS_ENDPOINT_URL: 'minio:9000' }, /AWS_ENDPOINT_URL must be a URL with scheme http:\/\/ \| https:\/\//],
    [{ GOGOOKU3_DWH_TTL_YEARS: '1.5' }, /GOGOOKU3_DWH_TTL_YEARS/],
    [{ GOGOOKU3_ONLINE_TTL_SECONDS: '-5' }, /GOGOOKU3_ONLINE_TTL_SECONDS/],
    [{ GOGOOKU3_FEATURE_SET: 'Prime Daily' }, /GOGOOKU3_FEATURE_SET.*a FeatureSet name \(lowercase letters, digits, - and \.\)/],
  ])('invalid %p names the variable and allowed values', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('reads the production backends from URLs and the standard AWS variables', () => {
    const config = loadConfig({
      GOGOOKU3_OBJECT_STORE: 's3://g3-lake/prod', GOGOOKU3_DWH: 'clickhouse://g3:pw@ch:8123/g3', GOGOOKU3_ONLINE_STORE: 'rediss://:pw@redis:6380/2',
      AWS_ENDPOINT_URL: 'http://minio:9000', AWS_ACCESS_KEY_ID: 'AKIA', AWS_SECRET_ACCESS_KEY: 'sk', AWS_REGION: 'ap-northeast-1',
      GOGOOKU3_DWH_TTL_YEARS: '5', GOGOOKU3_ONLINE_TTL_SECONDS: '172800',
    });
    expect(config).toMatchObject({
      objectStore: 's3://g3-lake/prod', dwh: 'clickhouse://g3:pw@ch:8123/g3', onlineStore: 'rediss://:pw@redis:6380/2', dwhTtlYears: 5, onlineTtlSeconds: 172800,
      s3: { region: 'ap-northeast-1', endpoint: 'http://minio:9000', credentials: { accessKeyId: 'AKIA', secretAccessKey: 'sk' } },
    });
    expect(loadConfig({}).s3).toEqual({ region: 'us-east-1' });
    expect(loadConfig({}).dwhTtlYears).toBe(2);
    expect(JSON.stringify(redactConfig(config))).not.toMatch(/"sk"|:pw@/);
  });

  it('flags override the environment', () => {
    const config = loadConfig({ GOGOOKU3_DATA_DIR: '/env' }, { dataDir: '/flag', jquantsUrl: 'http://127.0.0.1:1/v2' });
    expect(config.dataDir).toBe('/flag');
    expect(config.jquants.baseUrl).toBe('http://127.0.0.1:1');
    expect(config.jquants.apiVersion).toBe('v2');
  });

  it('redaction hides every secret', () => {
    const config = loadConfig({ JQUANTS_MAIL_ADDRESS: 'a@b', JQUANTS_PASSWORD: 'hunter2', GOGOOKU3_DWH: 'clickhouse://u:s3cret@h:8123/db', GOGOOKU3_ONLINE_STORE: 'redis://:pw@h:6379/0' });
    const text = JSON.stringify(redactConfig(config));
    expect(text).not.toMatch(/hunter2|s3cret|:pw@/);
  });

  it.each([
    ['https://api.jquants.com', { baseUrl: 'https://api.jquants.com' }],
    ['https://api.jquants.com/v2/', { baseUrl: 'https://api.jquants.com', version: 'v2' }],
    ['http://127.0.0.1:8181/', { baseUrl: 'http://127.0.0.1:8181' }],
  ])('splitJQuantsUrl(%s)', (url, expected) => {
    expect(splitJQuantsUrl(url)).toEqual(expected);
  });
});
