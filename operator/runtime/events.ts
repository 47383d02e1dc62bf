import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { KubeClient, KubeObject, ReconcileContext } from './types';

export const EVENT_SOURCE_COMPONENT = 'gogooku3-operator';

export type EventInput = Parameters<ReconcileContext['recordEvent']>[1];

/** The core/v1 Event for `involved`; `name` follows client-go's `${involved}.${hex}` so it sorts with its object. */
export function buildEvent(involved: KubeObject, event: EventInput, now: Date, host: string, suffix: string): KubeObject {
  const ts = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: `${involved.metadata.name}.${suffix}`, namespace: involved.metadata.namespace ?? 'default' },
    involvedObject: {
      apiVersion: involved.apiVersion,
      kind: involved.kind,
      name: involved.metadata.name,
      ...(involved.metadata.namespace ? { namespace: involved.metadata.namespace } : {}),
      ...(involved.metadata.uid ? { uid: involved.metadata.uid } : {}),
      ...(involved.metadata.resourceVersion ? { resourceVersion: involved.metadata.resourceVersion } : {}),
    },
    reason: event.reason,
    message: event.message,
    type: event.type,
    source: { component: EVENT_SOURCE_COMPONENT, host },
    reportingComponent: EVENT_SOURCE_COMPONENT,
    reportingInstance: host,
    firstTimestamp: ts,
    lastTimestamp: ts,
    count: 1,
  };
}

interface Seen {
  name: string;
  namespace: string;
  count: number;
  lastMs: number;
}

/**
 * Records Events the way client-go's recorder does, minus its rate limiter: a repeat of the same
 * (object, type, reason, message) within `aggregateWindowMs` bumps count/lastTimestamp on the existing Event
 * instead of creating another, so a retry loop yields one Event with a count, not thousands.
 * Failures are logged and swallowed: an Event is a courtesy to humans, never a reason to fail a reconcile.
 */
export function createEventRecorder(options: {
  client: KubeClient;
  logger: Logger;
  host: string;
  now?: () => Date;
  aggregateWindowMs?: number;
  maxTracked?: number;
}): ReconcileContext['recordEvent'] {
  const now = options.now ?? (() => new Date());
  const windowMs = options.aggregateWindowMs ?? 10 * 60_000;
  const maxTracked = options.maxTracked ?? 4096;
  const seen = new Map<string, Seen>();

  return async (involved, event) => {
    const at = now();
    const id = [involved.metadata.uid ?? `${involved.kind}/${involved.metadata.namespace}/${involved.metadata.name}`, event.type, event.reason, event.message].join('\u0000');
    try {
      const previous = seen.get(id);
      if (previous && at.getTime() - previous.lastMs < windowMs) {
        previous.count += 1;
        previous.lastMs = at.getTime();
        try {
          await options.client.mergePatch({ apiVersion: 'v1', kind: 'Event', namespace: previous.namespace, name: previous.name }, {
            count: previous.count,
            lastTimestamp: at.toISOString().replace(/\.\d{3}Z$/, 'Z'),
          });
          return;
        } catch {
          seen.delete(id); // the Event expired or was deleted: start a new one below
        }
      }
      const suffix = (BigInt(at.getTime()) * 1_000_000n + BigInt(randomBytes(3).readUIntBE(0, 3))).toString(16);
      const created = buildEvent(involved, event, at, options.host, suffix);
      await options.client.create(created);
      // Map iteration order is insertion order: dropping the first entry evicts the oldest.
      if (seen.size >= maxTracked) seen.delete(seen.keys().next().value!);
      seen.set(id, { name: created.metadata.name, namespace: created.metadata.namespace!, count: 1, lastMs: at.getTime() });
    } catch (err) {
      options.logger.warn({ err, involved: `${involved.kind}/${involved.metadata.namespace ?? ''}/${involved.metadata.name}`, reason: event.reason }, 'could not record event');
    }
  };
}
