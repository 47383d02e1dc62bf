/**
 * Triton's model-repository API (explicit model-control mode): the challenger's version is loaded before it
 * takes traffic and dropped after a rollback. Triton's unload endpoint unloads every version of a model —
 * the champion too — so versions are chosen by reloading the model with a pinned version policy
 * (a reload keeps the loaded model serving until the new one is ready, and leaves it if the load fails).
 */
export class TritonError extends Error {
  constructor(readonly url: string, detail: string, options?: { cause?: unknown }) {
    super(`Triton ${url}: ${detail}`, options);
    this.name = 'TritonError';
  }
}

export interface TritonRepository {
  /** Loads (or reloads) `model` serving exactly `versions`. */
  loadVersions(model: string, versions: ReadonlyArray<number>): Promise<void>;
}

/** The load request body: the model's config override carrying only the version policy. */
export function loadRequestBody(versions: ReadonlyArray<number>): { parameters: { config: string } } {
  const sorted = [...new Set(versions)].sort((a, b) => a - b);
  return { parameters: { config: JSON.stringify({ version_policy: { specific: { versions: sorted } } }) } };
}

export function httpTritonRepository(options: { url: string; timeoutMs?: number; fetch?: typeof fetch }): TritonRepository {
  const base = options.url.replace(/\/+$/, '');
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 60_000;
  return {
    async loadVersions(model, versions) {
      const url = `${base}/v2/repository/models/${encodeURIComponent(model)}/load`;
      let response: Response;
      let text: string;
      try {
        response = await doFetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(loadRequestBody(versions)),
          signal: AbortSignal.timeout(timeoutMs),
        });
        text = await response.text();
      } catch (error) {
        const detail = (error as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (error as Error).message;
        throw new TritonError(url, `unreachable (${detail})`, { cause: error });
      }
      if (!response.ok) {
        let detail = text.slice(0, 200);
        try {
          const body = JSON.parse(text) as { error?: unknown };
          if (typeof body.error === 'string') detail = body.error;
        } catch { /* not JSON: the raw text is the detail */ }
        throw new TritonError(url, `load of versions ${versions.join(', ')} answered ${response.status}: ${detail}`);
      }
    },
  };
}
