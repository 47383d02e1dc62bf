import * as k8s from '@kubernetes/client-node';
import { createKubeClientFromApi, RawObjectApi } from './kube-client';
import type { WatchEventType, WatchSource } from './informer';
import type { KubeClient } from './types';

/**
 * The informers' WatchSource over the API server: lists through the KubeClient (paged, objects stamped with
 * apiVersion/kind), watches through client-node's Watch on the collection path found by discovery.
 */
export function createWatchSource(kc: k8s.KubeConfig, client?: KubeClient): WatchSource {
  const api = RawObjectApi.fromKubeConfig(kc);
  const lister = client ?? createKubeClientFromApi(api, { fieldManager: 'gogooku3-operator' });
  const watch = new k8s.Watch(kc);
  return {
    list: (type, namespace) => lister.list(type, { namespace }),
    async watch(type, options, onEvent, onDone) {
      const path = await api.collectionPath(type, options.namespace);
      const params: Record<string, string | number | boolean> = { allowWatchBookmarks: true, timeoutSeconds: options.timeoutSeconds };
      if (options.resourceVersion) params.resourceVersion = options.resourceVersion;
      const controller = await watch.watch(path, params, (phase: string, object: Record<string, unknown>) => onEvent(phase as WatchEventType, object), onDone);
      return { abort: () => controller.abort() };
    },
  };
}
