import { WeightsConfigSchema, type ModelRoute, type WeightsConfig } from '../../pipelines/serve/weights';
import { jsonEqual } from '../featureset/conditions';
import { AlreadyExistsError, ConflictError, type KubeClient, type KubeObject } from '../runtime/types';
import type { ModelRolloutSpec, TrafficTarget } from './spec';

/**
 * Writing the challenger weight where the traffic is split: the inference router's weights ConfigMap
 * (pipelines/serve/weights.ts, hot-reloaded by the router) and/or a Gateway API HTTPRoute. The object
 * edits are pure; `applyTraffic` reads, edits and writes only when something changed.
 */
export const HTTPROUTE_API_VERSION = 'gateway.networking.k8s.io/v1';
export const VARIANTS = { champion: 'champion', challenger: 'challenger' } as const;

/** The traffic target cannot take the weights (invalid existing config, backends missing, bad version). */
export class TrafficTargetError extends Error {
  constructor(readonly field: string, detail: string) {
    super(`${field}: ${detail}`);
    this.name = 'TrafficTargetError';
  }
}

/** The router's version reference: a registry version number, or the "production" / "staging" alias. */
export function routerVersion(field: string, version: string): number | 'production' | 'staging' {
  if (/^[1-9]\d*$/.test(version)) return Number(version);
  if (version === 'production' || version === 'staging') return version;
  throw new TrafficTargetError(field, `the router's weights config takes a positive integer version or "production" / "staging", got ${JSON.stringify(version)}`);
}

/**
 * The model's route at `challengerWeight` %. Variants at weight 0 are left out: the router loads every
 * variant it is given, and a rolled-back challenger may have been unloaded from Triton already.
 */
export function modelRoute(spec: Pick<ModelRolloutSpec, 'model' | 'champion' | 'challenger'>, challengerWeight: number): ModelRoute {
  const variants = [
    { name: VARIANTS.champion, version: routerVersion('spec.champion.version', spec.champion.version), weight: 100 - challengerWeight },
    { name: VARIANTS.challenger, version: routerVersion('spec.challenger.version', spec.challenger.version), weight: challengerWeight },
  ].filter((v) => v.weight > 0);
  return { name: spec.model, sticky: false, variants };
}

/** The weights config text with this model's route replaced (or added); the other models stay as they are. */
export function mergeWeights(existing: string | undefined, route: ModelRoute, field = 'trafficTarget.configMap'): string {
  let config: WeightsConfig = { models: [] };
  if (existing !== undefined && existing.trim() !== '') {
    let json: unknown;
    try {
      json = JSON.parse(existing);
    } catch (error) {
      throw new TrafficTargetError(field, `the existing weights config is not valid JSON (${(error as Error).message}); refusing to overwrite it`);
    }
    const parsed = WeightsConfigSchema.safeParse(json);
    if (!parsed.success) throw new TrafficTargetError(field, `the existing weights config is invalid (${parsed.error.issues[0]?.message}); refusing to overwrite it`);
    config = parsed.data;
  }
  const at = config.models.findIndex((m) => m.name === route.name);
  const previous = at >= 0 ? config.models[at] : undefined;
  // The route's stickiness and feature set are the router operator's choice: only the variants are ours.
  const featureSet = route.featureSet ?? previous?.featureSet;
  const next: ModelRoute = { name: route.name, ...(featureSet ? { featureSet } : {}), sticky: previous?.sticky ?? route.sticky, variants: route.variants };
  const models = at >= 0 ? config.models.map((m, i) => (i === at ? next : m)) : [...config.models, next];
  return `${JSON.stringify({ models }, null, 2)}\n`;
}

type Rule = { backendRefs?: Array<Record<string, unknown>> } & Record<string, unknown>;

/** The HTTPRoute with the champion/challenger backendRefs weighted 100−w / w; throws when a backend is missing. */
export function httpRouteWithWeights(route: KubeObject, target: NonNullable<TrafficTarget['httpRoute']>, challengerWeight: number): KubeObject {
  const spec = (route.spec ?? {}) as { rules?: Rule[] };
  const found = { champion: false, challenger: false };
  const rules = (spec.rules ?? []).map((rule) => ({
    ...rule,
    backendRefs: rule.backendRefs?.map((ref) => {
      if (ref.name === target.championBackend) {
        found.champion = true;
        return { ...ref, weight: 100 - challengerWeight };
      }
      if (ref.name === target.challengerBackend) {
        found.challenger = true;
        return { ...ref, weight: challengerWeight };
      }
      return ref;
    }),
  }));
  for (const role of ['champion', 'challenger'] as const) {
    const name = role === 'champion' ? target.championBackend : target.challengerBackend;
    if (!found[role]) throw new TrafficTargetError(`trafficTarget.httpRoute.${role}Backend`, `HTTPRoute ${route.metadata.name} has no backendRef named ${JSON.stringify(name)}`);
  }
  return { ...route, spec: { ...spec, rules } };
}

/** Reads each target, writes the weight where it differs. ConflictError propagates (the reconcile is retried). */
export async function applyTraffic(client: KubeClient, namespace: string, spec: ModelRolloutSpec, challengerWeight: number): Promise<{ changed: boolean }> {
  const target = spec.trafficTarget;
  if (!target) throw new TrafficTargetError('spec.trafficTarget', 'expected { configMap?, httpRoute? } with at least one, got nothing');
  let changed = false;
  if (target.configMap) {
    const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace: target.configMap.namespace ?? namespace, name: target.configMap.name };
    const existing = await client.get<KubeObject & { data?: Record<string, string> }>(ref);
    const text = existing?.data?.[target.configMap.key];
    const route = modelRoute(spec, challengerWeight);
    const next = mergeWeights(text, route, 'spec.trafficTarget.configMap');
    if (text === undefined || !jsonEqual(JSON.parse(text), JSON.parse(next))) {
      changed = true;
      if (existing) await client.replace({ ...existing, data: { ...existing.data, [target.configMap.key]: next } });
      else {
        // The router's ConfigMap may hold other models' routes, so it is not owned (nor deleted) by the rollout.
        try {
          await client.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: ref.name, namespace: ref.namespace }, data: { [target.configMap.key]: next } });
        } catch (error) {
          if (error instanceof AlreadyExistsError) throw new ConflictError(ref, { cause: error });
          throw error;
        }
      }
    }
  }
  if (target.httpRoute) {
    const ref = { apiVersion: HTTPROUTE_API_VERSION, kind: 'HTTPRoute', namespace: target.httpRoute.namespace ?? namespace, name: target.httpRoute.name };
    const route = await client.get(ref);
    if (!route) throw new TrafficTargetError('spec.trafficTarget.httpRoute.name', `HTTPRoute ${ref.namespace}/${ref.name} not found`);
    const next = httpRouteWithWeights(route, target.httpRoute, challengerWeight);
    if (!jsonEqual(route.spec, next.spec)) {
      changed = true;
      await client.replace(next);
    }
  }
  return { changed };
}
