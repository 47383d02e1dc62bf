import { Registry } from 'prom-client';
import { RolloutMetrics, ROLLOUT_METRICS } from './metrics';

const seriesOf = async (registry: Registry, rollout: string) => (await registry.metrics()).split('\n').filter((line) => line.includes(`rollout="${rollout}"`));

describe('RolloutMetrics', () => {
  it('forget drops every series of one rollout and keeps the others', async () => {
    const metrics = new RolloutMetrics(new Registry());
    for (const rollout of ['ns/a', 'ns/b']) {
      metrics.observe(rollout, 'Progressing', 25);
      metrics.countTransition(rollout, 'Started');
      metrics.countTransition(rollout, 'Advanced');
    }
    expect(await seriesOf(metrics.registry, 'ns/a')).toEqual(expect.arrayContaining([
      `${ROLLOUT_METRICS.challengerWeight}{rollout="ns/a"} 25`,
      `${ROLLOUT_METRICS.phase}{rollout="ns/a",phase="Progressing"} 1`,
      `${ROLLOUT_METRICS.transitions}{rollout="ns/a",event="Advanced"} 1`,
    ]));
    const before = (await seriesOf(metrics.registry, 'ns/b')).sort();

    metrics.forget('ns/a');
    expect(await seriesOf(metrics.registry, 'ns/a')).toEqual([]);
    expect((await seriesOf(metrics.registry, 'ns/b')).sort()).toEqual(before);
  });

  it('forgetting an unknown rollout, or twice, changes nothing', async () => {
    const metrics = new RolloutMetrics(new Registry());
    metrics.observe('ns/a', 'Promoted', 100);
    const before = await metrics.registry.metrics();
    metrics.forget('ns/unknown');
    expect(await metrics.registry.metrics()).toBe(before);
    metrics.forget('ns/a');
    metrics.forget('ns/a');
    expect(await seriesOf(metrics.registry, 'ns/a')).toEqual([]);
  });

  it('a rollout observed again after forget starts its counters from zero', async () => {
    const metrics = new RolloutMetrics(new Registry());
    metrics.countTransition('ns/a', 'Started');
    metrics.forget('ns/a');
    metrics.countTransition('ns/a', 'Started');
    expect(await seriesOf(metrics.registry, 'ns/a')).toEqual([`${ROLLOUT_METRICS.transitions}{rollout="ns/a",event="Started"} 1`]);
  });
});
