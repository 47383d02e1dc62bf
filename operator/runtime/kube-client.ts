import * as k8s from '@kubernetes/client-node';
import { keepAliveAgents } from './agent-pool';
import { KubeApiError, parseStatus, readOrUndefined, toKubeError } from './kube-errors';
import { listAllPages } from './paging';
import { type KubeClient, type KubeObject, type ObjectRef, type ResourceType } from './types';

export { KubeApiError, toKubeError } from './kube-errors';

/**
 * KubernetesObjectApi (discovery, paths, auth, middleware) without its typed deserialisation: the typed models
 * turn timestamps into Date objects and drop fields they do not know, while the controllers work on the JSON
 * the API server sent (KubeObject), so responses are parsed as plain JSON here.
 */
export class RawObjectApi extends k8s.KubernetesObjectApi {
  static fromKubeConfig(kc: k8s.KubeConfig): RawObjectApi {
    // As kc.makeApiClient does, plus connection reuse (see agent-pool.ts).
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error('the kubeconfig has no current cluster');
    const api = new RawObjectApi(k8s.createConfiguration({
      baseServer: new k8s.ServerConfiguration(cluster.server, {}),
      authMethods: { default: kc },
      promiseMiddleware: [keepAliveAgents()],
    }));
    api.setDefaultNamespace(kc);
    return api;
  }

  /** The collection URL path of a type (for lists and watches), resolved through API discovery. */
  collectionPath(type: ResourceType, namespace?: string): Promise<string> {
    return this.specUriPath({ apiVersion: type.apiVersion, kind: type.kind, metadata: { namespace } }, 'list');
  }

  /** PUT to the status subresource; the path comes from discovery like every other verb. */
  async replaceStatusRaw(spec: KubeObject, fieldManager: string): Promise<KubeObject> {
    const path = `${await this.specUriPath(structuredClone(spec) as k8s.KubernetesObject, 'replace')}/status`;
    const request = this.configuration.baseServer.makeRequestContext(path, k8s.HttpMethod.PUT);
    request.setHeaderParam('Accept', 'application/json');
    request.setHeaderParam('Content-Type', 'application/json');
    request.setQueryParam('fieldManager', fieldManager);
    request.setBody(JSON.stringify(spec));
    return this.requestPromise(request) as Promise<KubeObject>;
  }

  protected override async processResponse<T extends k8s.KubernetesObject>(response: k8s.ResponseContext): Promise<T> {
    const text = await response.body.text();
    if (response.httpStatusCode >= 200 && response.httpStatusCode <= 299) return JSON.parse(text) as T;
    const status = parseStatus(text);
    throw new KubeApiError(response.httpStatusCode, status, status?.message ?? `HTTP ${response.httpStatusCode}`);
  }
}

function refOf(obj: KubeObject): ObjectRef {
  return { apiVersion: obj.apiVersion, kind: obj.kind, namespace: obj.metadata.namespace, name: obj.metadata.name };
}

function header(ref: ObjectRef): KubeObject {
  return { apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}) } };
}

// Lists are read in pages so that one huge type does not become one huge response.
const PAGE_SIZE = 500;

/** The runtime's KubeClient over @kubernetes/client-node; every write carries `fieldManager`. */
export function createKubeClient(kc: k8s.KubeConfig, options: { fieldManager: string }): KubeClient {
  return createKubeClientFromApi(RawObjectApi.fromKubeConfig(kc), options);
}

export function createKubeClientFromApi(api: RawObjectApi, { fieldManager }: { fieldManager: string }): KubeClient {
  // The library fills in defaults on the spec it is given (namespace, metadata): hand it a copy.
  const copy = <T>(value: T): T => structuredClone(value);
  return {
    async get<T extends KubeObject>(ref: ObjectRef): Promise<T | undefined> {
      return readOrUndefined(ref, async () => (await api.read(header(ref))) as unknown as T);
    },

    async list<T extends KubeObject>(type: ResourceType, options: { namespace?: string; labelSelector?: string } = {}) {
      return listAllPages<T>(type, async (continueToken) => {
        let page: k8s.KubernetesListObject<k8s.KubernetesObject>;
        try {
          page = await api.list(type.apiVersion, type.kind, options.namespace, undefined, undefined, undefined, undefined,
            options.labelSelector, PAGE_SIZE, continueToken);
        } catch (err) {
          throw toKubeError(err, 'list', { ...type, namespace: options.namespace, name: '*' });
        }
        return {
          items: page.items,
          resourceVersion: page.metadata?.resourceVersion,
          continueToken: page.metadata?._continue || (page.metadata as { continue?: string } | undefined)?.continue,
        };
      });
    },

    async create<T extends KubeObject>(object: T): Promise<T> {
      try {
        return (await api.create(copy(object) as k8s.KubernetesObject, undefined, undefined, fieldManager)) as unknown as T;
      } catch (err) {
        throw toKubeError(err, 'create', refOf(object));
      }
    },

    async replace<T extends KubeObject>(object: T): Promise<T> {
      try {
        return (await api.replace(copy(object) as k8s.KubernetesObject, undefined, undefined, fieldManager)) as unknown as T;
      } catch (err) {
        throw toKubeError(err, 'replace', refOf(object));
      }
    },

    async mergePatch<T extends KubeObject>(ref: ObjectRef, patch: Record<string, unknown>): Promise<T> {
      // KubernetesObjectApi derives the URL from the body, so the patch carries the object's identity too
      // (merging identical apiVersion/kind/name/namespace is a no-op).
      const base = header(ref);
      const body = { ...copy(patch), apiVersion: base.apiVersion, kind: base.kind, metadata: { ...(patch.metadata as object | undefined), ...base.metadata } };
      try {
        return (await api.patch(body as k8s.KubernetesObject, undefined, undefined, fieldManager, undefined, k8s.PatchStrategy.MergePatch)) as unknown as T;
      } catch (err) {
        throw toKubeError(err, 'patch', ref);
      }
    },

    async replaceStatus<T extends KubeObject>(object: T): Promise<T> {
      try {
        return (await api.replaceStatusRaw(object, fieldManager)) as T;
      } catch (err) {
        throw toKubeError(err, 'replace status of', refOf(object));
      }
    },

    async delete(ref: ObjectRef, options: { propagationPolicy?: 'Foreground' | 'Background' | 'Orphan' } = {}): Promise<void> {
      try {
        await api.delete(header(ref) as k8s.KubernetesObject, undefined, undefined, undefined, undefined, options.propagationPolicy);
      } catch (err) {
        throw toKubeError(err, 'delete', ref);
      }
    },
  };
}
