import { checkMinioCredential, minioAppPolicy, minioInitScript, minioLifecycle, minioStatefulSetSpec, ObjectStore, objectStoreSettings } from './object-store';
import { ComponentArgsError, UnpinnedImageError } from './common';
import { plaintextOccurrences, podSpecs, promiseOf, recordResources, reveal, settled, workloadViolations } from './test-support';

const recorded = recordResources();
beforeEach(() => { recorded.length = 0; });

const SECRETS = { rootUser: 'root-user-sentinel', rootPassword: 'root-password-sentinel', appAccessKey: 'app-key-sentinel', appSecretKey: 'app-secret-sentinel' };

describe('objectStoreSettings', () => {
  it('applies the documented defaults', () => {
    const s = objectStoreSettings({});
    expect(s).toMatchObject({ storageSize: '50Gi', buckets: ['gogooku3'], noncurrentVersionExpiryDays: 30, region: 'us-east-1', storageClass: undefined });
  });
  it.each([
    [{ buckets: [] }, ComponentArgsError, /objectStore.buckets/],
    [{ buckets: ['Bad_Name'] }, ComponentArgsError, /objectStore.buckets.*"Bad_Name"/],
    [{ noncurrentVersionExpiryDays: 0 }, ComponentArgsError, /noncurrentVersionExpiryDays: expected an integer >= 1/],
    [{ noncurrentVersionExpiryDays: 1.5 }, ComponentArgsError, /noncurrentVersionExpiryDays/],
    [{ image: 'minio/minio' }, UnpinnedImageError, /objectStore.image.*no tag/],
    [{ mcImage: 'minio/mc:latest' }, UnpinnedImageError, /objectStore.mcImage.*latest/],
  ])('refuses %j', (settings, type, message) => {
    expect(() => objectStoreSettings(settings)).toThrow(type);
    expect(() => objectStoreSettings(settings)).toThrow(message);
  });
});

describe('checkMinioCredential', () => {
  it('passes long enough values and refuses short ones without echoing them', () => {
    expect(checkMinioCredential('objectStore.rootPassword', '12345678', 8)).toBe('12345678');
    expect(() => checkMinioCredential('objectStore.rootPassword', 'hunter2', 8)).toThrow('objectStore.rootPassword: expected at least 8 characters (MinIO refuses shorter), got "7 characters"');
    expect(() => checkMinioCredential('objectStore.rootPassword', 'hunter2', 8)).not.toThrow(/hunter2/);
  });
});

describe('pure MinIO builders', () => {
  it('expires noncurrent versions after N days', () => {
    expect(minioLifecycle(7).Rules[0]).toMatchObject({ Status: 'Enabled', NoncurrentVersionExpiration: { NoncurrentDays: 7 } });
  });
  it('scopes the app policy to the buckets and grants no admin action', () => {
    const policy = minioAppPolicy(['lake', 'models']);
    const resources = policy.Statement.flatMap((s) => s.Resource);
    expect(resources).toEqual(['arn:aws:s3:::lake', 'arn:aws:s3:::models', 'arn:aws:s3:::lake/*', 'arn:aws:s3:::models/*']);
    expect(policy.Statement.flatMap((s) => s.Action).filter((a) => !a.startsWith('s3:') || a.includes('*'))).toEqual([]);
  });
  it('creates, versions and applies lifecycle to every bucket, reading credentials from the environment', () => {
    const script = minioInitScript(['a-1', 'b-2'], 'http://minio:9000');
    for (const b of ['a-1', 'b-2']) {
      expect(script).toContain(`mc mb --ignore-existing local/${b}`);
      expect(script).toContain(`mc version enable local/${b}`);
      expect(script).toContain(`mc ilm rule import local/${b} < /config/lifecycle.json`);
    }
    expect(script).toContain(`'http://minio:9000' "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD"`);
  });
  it('keeps data on a PVC template with the storage class when set', () => {
    const spec = minioStatefulSetSpec({ name: 'minio', rootSecret: 'minio-root', settings: objectStoreSettings({ storageClass: 'fast', storageSize: '5Gi' }), labels: {} });
    expect(spec.volumeClaimTemplates[0].spec).toEqual({ accessModes: ['ReadWriteOnce'], storageClassName: 'fast', resources: { requests: { storage: '5Gi' } } });
    const noClass = minioStatefulSetSpec({ name: 'minio', rootSecret: 'minio-root', settings: objectStoreSettings({}), labels: {} });
    expect(noClass.volumeClaimTemplates[0].spec).not.toHaveProperty('storageClassName');
    expect(workloadViolations('minio', spec.template.spec)).toEqual([]);
  });
});

describe('ObjectStore', () => {
  it('registers Secrets, Service, StatefulSet, init ConfigMap and Job with secrets only inside secret values', async () => {
    const store = new ObjectStore('minio', { namespace: 'ns', ...SECRETS, buckets: ['lake'] });
    expect(await promiseOf(store.endpointUrl)).toBe('http://minio.ns.svc.cluster.local:9000');
    expect(await promiseOf(store.credentialsSecretName)).toBe('minio-s3');
    await settled(recorded);
    const types = recorded.filter((r) => r.custom).map((r) => `${r.type} ${r.name}`).filter((t) => !t.startsWith('pulumi:providers')).sort();
    expect(types).toEqual([
      'kubernetes:apps/v1:StatefulSet minio',
      'kubernetes:batch/v1:Job minio-init',
      'kubernetes:core/v1:ConfigMap minio-init',
      'kubernetes:core/v1:Secret minio-root',
      'kubernetes:core/v1:Secret minio-s3',
      'kubernetes:core/v1:Service minio',
    ]);
    expect(recorded.flatMap((r) => plaintextOccurrences(r.inputs, Object.values(SECRETS)).map((p) => `${r.name}: ${p}`))).toEqual([]);
    const root = recorded.find((r) => r.name === 'minio-root')!;
    expect(reveal(root.inputs.stringData)).toEqual({ MINIO_ROOT_USER: SECRETS.rootUser, MINIO_ROOT_PASSWORD: SECRETS.rootPassword });
    expect(podSpecs(recorded).flatMap(({ owner, spec }) => workloadViolations(owner, spec))).toEqual([]);
  });
});
