/**
 * Watch streams: newline-delimited JSON events over one chunked 200 response, resumable from a resourceVersion
 * while the store's history reaches back that far, with bookmarks and server-side timeouts.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, expired, type Obj } from './errors';
import type { ResourceType } from './discovery';
import type { Predicate } from './selectors';
import type { Store, StoredEvent, Subscriber } from './store';

export interface WatchRequest {
  type: ResourceType;
  /** undefined: every namespace (or a cluster-scoped type). */
  namespace: string | undefined;
  resourceVersion: string | null;
  match: Predicate;
  timeoutSeconds: number | null;
  allowBookmarks: boolean;
  /** sendInitialEvents=true: a bookmark annotated k8s.io/initial-events-end follows the initial ADDED events. */
  sendInitialEvents: boolean;
}

/** An open watch the server can end (dropWatches, restart, close). */
export interface OpenWatch {
  end(): void;
}

const line = (type: string, object: Obj): string => `${JSON.stringify({ type, object })}\n`;

/**
 * What a filtered watch shows for an event: an object entering the selector is ADDED, one leaving it is
 * DELETED (as the real watch cache does), and one never matching is not shown at all.
 */
function visible(event: StoredEvent, match: Predicate): string | undefined {
  const now = match(event.object);
  if (event.type !== 'MODIFIED' || event.previous === undefined) return now ? event.json() : undefined;
  const before = match(event.previous);
  if (now && before) return event.json();
  if (now) return line('ADDED', event.object);
  if (before) return line('DELETED', event.object);
  return undefined;
}

export function serveWatch(store: Store, req: WatchRequest, res: ServerResponse, _incoming: IncomingMessage, bookmarkIntervalMs: number, registry: Set<OpenWatch>): void {
  const { type, match } = req;
  const rv = req.resourceVersion;
  let replay: string[] = [];
  if (rv && rv !== '0') {
    const requested = Number(rv);
    if (!Number.isInteger(requested) || requested < 0) throw new ApiError(400, 'BadRequest', `invalid resource version: ${JSON.stringify(rv)}`);
    const history = store.eventsSince(type, requested);
    if ('expiredBefore' in history) {
      // Real servers answer 200 and send the 410 as an ERROR event, which client-node's ListWatch relists on.
      res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
      res.end(line('ERROR', expired(`too old resource version: ${requested} (${history.expiredBefore})`).toStatus()));
      return;
    }
    replay = history.events.filter((e) => req.namespace === undefined || !type.namespaced || (e.object.metadata.namespace ?? '') === req.namespace)
      .map((e) => visible(e, match)).filter((l): l is string => l !== undefined);
  } else {
    replay = store.list(type, req.namespace).filter(match).map((o) => line('ADDED', o));
  }

  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
  res.flushHeaders();
  const timers: NodeJS.Timeout[] = [];
  let open = true;
  const subscriber: Subscriber = {
    deliver(event) {
      const text = visible(event, match);
      if (text !== undefined && open) res.write(text);
    },
    close: () => handle.end(),
  };
  // Replay and subscription happen in the same tick, so no event can fall between them.
  const unsubscribe = store.subscribe(type, req.namespace, subscriber);
  const bookmark = (annotations?: Record<string, string>): string =>
    line('BOOKMARK', { kind: type.kind, apiVersion: type.apiVersion, metadata: { resourceVersion: String(store.currentRv()), ...(annotations ? { annotations } : {}) } });
  const handle: OpenWatch = {
    end() {
      if (!open) return;
      open = false;
      cleanup();
      res.end();
    },
  };
  const cleanup = (): void => {
    open = false;
    unsubscribe();
    for (const t of timers) clearTimeout(t);
    registry.delete(handle);
  };
  registry.add(handle);
  res.on('close', cleanup);
  if (replay.length > 0) res.write(replay.join(''));
  if (req.sendInitialEvents && req.allowBookmarks) res.write(bookmark({ 'k8s.io/initial-events-end': 'true' }));
  if (req.allowBookmarks) timers.push(setInterval(() => open && res.write(bookmark()), bookmarkIntervalMs));
  if (req.timeoutSeconds !== null && req.timeoutSeconds > 0) timers.push(setTimeout(() => handle.end(), req.timeoutSeconds * 1000));
}
