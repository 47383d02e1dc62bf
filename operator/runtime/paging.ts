import type { KubeObject, ResourceType } from './types';

/** One page of a LIST as either client reads it. */
export interface ListPage {
  items: ReadonlyArray<object>;
  resourceVersion?: string;
  continueToken?: string;
}

/**
 * Follows `continue` tokens to the last page. Items of built-in lists carry no apiVersion/kind on the wire;
 * the controllers expect whole objects, so both are stamped from the type.
 */
export async function listAllPages<T extends KubeObject>(type: ResourceType, fetchPage: (continueToken: string | undefined) => Promise<ListPage>): Promise<{ items: T[]; resourceVersion: string }> {
  const items: T[] = [];
  let resourceVersion = '';
  let continueToken: string | undefined;
  do {
    const page = await fetchPage(continueToken);
    for (const item of page.items) items.push({ ...item, apiVersion: type.apiVersion, kind: type.kind } as unknown as T);
    resourceVersion = page.resourceVersion ?? resourceVersion;
    continueToken = page.continueToken || undefined;
  } while (continueToken);
  return { items, resourceVersion };
}
