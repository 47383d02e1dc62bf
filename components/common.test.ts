import { appLabels, checkPinnedImage, containerSecurityContext, scratchVolumes, UnpinnedImageError } from './common';
import { workloadViolations, plaintextOccurrences } from './test-support';

describe('checkPinnedImage', () => {
  it.each([
    'redis:7.4.5-alpine3.21',
    'quay.io/minio/minio:RELEASE.2025-09-07T16-13-09Z',
    'registry.example.com:5000/acme/app:1.0.0',
    `acme/app@sha256:${'a'.repeat(64)}`,
    `acme/app:1.0@sha256:${'b'.repeat(64)}`,
  ])('accepts %s', (ref) => {
    expect(checkPinnedImage(ref)).toBe(ref);
  });
  it.each([
    ['redis', /no tag/],
    ['redis:latest', /latest moves/],
    ['registry.example.com:5000/acme/app', /no tag/],
    ['acme/app@sha256:abc', /digest must be sha256/],
    ['acme/app: 1', /whitespace/],
    ['', /empty/],
    ['acme/app:-bad', /not a valid tag/],
  ])('refuses %s', (ref, message) => {
    expect(() => checkPinnedImage(ref, 'x.image')).toThrow(UnpinnedImageError);
    expect(() => checkPinnedImage(ref, 'x.image')).toThrow(message);
    expect(() => checkPinnedImage(ref, 'x.image')).toThrow(/^x\.image: /);
  });
});

describe('shared builders', () => {
  it('builds a container security context that passes the workload rules', () => {
    const spec = {
      securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [{ name: 'c', image: 'a/b:1', securityContext: containerSecurityContext(10001), resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } } }],
    };
    expect(workloadViolations('w', spec)).toEqual([]);
  });
  it('flags each rule a container breaks', () => {
    const bad = {
      securityContext: {},
      containers: [{ name: 'c', image: 'a/b', securityContext: { ...containerSecurityContext(0), readOnlyRootFilesystem: false, capabilities: { drop: ['ALL'], add: ['NET_ADMIN'] } }, resources: { limits: { cpu: '1' } } }],
    };
    expect(workloadViolations('w', bad)).toEqual([
      'w: pod runAsNonRoot', 'w: pod seccomp', 'w/c: runAsNonRoot/runAsUser', 'w/c: readOnlyRootFilesystem', 'w/c: capabilities',
      'w/c: resources cpu', 'w/c: resources memory', 'w/c: image a/b not pinned',
    ]);
  });
  it('finds plaintext needles outside secret wrappers only', () => {
    const secret = { '4dabf18193072939515e22adb298388d': '1b47061264138c4ac30d75fd1eb44270', value: 'pw-123' };
    expect(plaintextOccurrences({ a: { b: ['x pw-123 y'] }, c: secret, d: 'fine' }, ['pw-123'])).toEqual(['a.b[0]']);
  });
  it('lets extra labels override the recommended ones and makes scratch volumes', () => {
    expect(appLabels('redis', 'online-store', { 'gogooku3.io/env': 'dev' })).toMatchObject({ 'app.kubernetes.io/name': 'redis', 'gogooku3.io/env': 'dev' });
    expect(scratchVolumes({ tmp: '/tmp' }, '64Mi')).toEqual({ volumes: [{ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } }], volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }] });
  });
});
