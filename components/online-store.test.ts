import { OnlineStore, onlineStoreSettings, redisConfig, redisStatefulSetSpec, redisUrl } from './online-store';
import { ComponentArgsError } from './common';
import { plaintextOccurrences, podSpecs, recordResources, reveal, settled, workloadViolations } from './test-support';

const recorded = recordResources();
beforeEach(() => { recorded.length = 0; });

describe('redisConfig', () => {
  it.each([
    ['none', 'save ""', 'appendonly no'],
    ['rdb', 'save 3600 1 300 100 60 10000', 'appendonly no'],
    ['aof', 'save ""', 'appendonly yes'],
    ['aof+rdb', 'save 3600 1 300 100 60 10000', 'appendonly yes'],
  ] as const)('%s → %s, %s', (persistence, save, aof) => {
    const conf = redisConfig({ persistence, maxMemory: '1gb', maxMemoryPolicy: 'allkeys-lru' }).split('\n');
    expect(conf).toContain(save);
    expect(conf).toContain(aof);
    expect(conf).toContain('maxmemory 1gb');
    expect(conf.join('\n')).not.toMatch(/requirepass/);
  });
});

describe('onlineStoreSettings', () => {
  it('defaults to AOF persistence on a 10Gi volume', () => {
    expect(onlineStoreSettings({})).toMatchObject({ persistence: 'aof', storageSize: '10Gi', maxMemory: '1536mb', maxMemoryPolicy: 'volatile-lru' });
  });
  it.each([
    [{ persistence: 'always' as never }, /^onlineStore.persistence: expected one of none, rdb, aof, aof\+rdb/],
    [{ maxMemoryPolicy: 'lru' }, /^onlineStore.maxMemoryPolicy: /],
    [{ maxMemory: '1.5G' }, /^onlineStore.maxMemory: /],
  ])('refuses %j', (s, message) => {
    expect(() => onlineStoreSettings(s)).toThrow(ComponentArgsError);
    expect(() => onlineStoreSettings(s)).toThrow(message);
  });
  it('uses a PVC only when persistent', () => {
    const spec = (persistence: 'none' | 'aof') => redisStatefulSetSpec({ name: 'r', configMap: 'c', passwordSecret: 'p', settings: onlineStoreSettings({ persistence }), labels: {} });
    expect(spec('none')).not.toHaveProperty('volumeClaimTemplates');
    expect(spec('none').template.spec.volumes).toContainEqual({ name: 'data', emptyDir: {} });
    expect(spec('aof').volumeClaimTemplates?.[0].spec.resources.requests.storage).toBe('10Gi');
    expect(workloadViolations('r', spec('aof').template.spec)).toEqual([]);
  });
  it('encodes the password in the URL', () => {
    expect(redisUrl('a b#c', 'redis.ns.svc.cluster.local')).toBe('redis://:a%20b%23c@redis.ns.svc.cluster.local:6379/0');
  });
});

describe('OnlineStore', () => {
  it('registers Redis with the password only in Secrets', async () => {
    new OnlineStore('redis', { namespace: 'ns', password: 'sentinel-redis-pw', persistence: 'rdb' });
    await settled(recorded);
    const custom = recorded.filter((r) => r.custom && !r.type.startsWith('pulumi:providers'));
    expect(custom.map((r) => `${r.type} ${r.name}`).sort()).toEqual([
      'kubernetes:apps/v1:StatefulSet redis',
      'kubernetes:core/v1:ConfigMap redis-config',
      'kubernetes:core/v1:Secret redis-online',
      'kubernetes:core/v1:Secret redis-password',
      'kubernetes:core/v1:Service redis',
    ]);
    expect(custom.flatMap((r) => plaintextOccurrences(r.inputs, ['sentinel-redis-pw']))).toEqual([]);
    expect(reveal(custom.find((r) => r.name === 'redis-online')!.inputs.stringData)).toEqual({ GOGOOKU3_ONLINE_STORE: 'redis://:sentinel-redis-pw@redis.ns.svc.cluster.local:6379/0' });
    expect(podSpecs(custom).flatMap(({ owner, spec }) => workloadViolations(owner, spec))).toEqual([]);
  });
});
