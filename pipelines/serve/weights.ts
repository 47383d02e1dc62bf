/**
 * The routing config (a JSON file, in Kubernetes a ConfigMap mounted as a file) and its hot reload. A new
 * file is validated, then handed to `apply` (which loads the models before switching); an invalid file or a
 * failed load leaves the previous config in force, with an error logged once per distinct problem.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { Logger } from '../log';
import { formatIssues } from './protocol';

/** Names end up in URLs, metric labels and the x-g3-variant header. */
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const nameSchema = (what: string) => z.string({ error: `expected a ${what} name` }).regex(NAME_RE, `expected a ${what} name matching ${NAME_RE}`);

const VERSION_MESSAGE = 'expected a positive integer version or "production" / "staging"';
export const VersionRefSchema = z.union([
  z.number().int(VERSION_MESSAGE).positive(VERSION_MESSAGE),
  z.enum(['production', 'staging']),
], { error: VERSION_MESSAGE });
export type VersionRef = z.infer<typeof VersionRefSchema>;

const VariantSchema = z.strictObject({
  name: nameSchema('variant'),
  version: VersionRefSchema,
  weight: z.number({ error: 'expected a number >= 0' }).finite().nonnegative('expected a number >= 0'),
});

const ModelRouteSchema = z.strictObject({
  name: nameSchema('model'),
  /** Online feature set /v1/score reads; default: the one in the served version's metadata. */
  featureSet: nameSchema('feature set').optional(),
  sticky: z.boolean({ error: 'expected true or false' }).default(false),
  variants: z.array(VariantSchema, { error: 'expected an array of variants' }).min(1, 'expected at least one variant'),
}).superRefine((model, ctx) => {
  if (!(model.variants.reduce((sum, v) => sum + v.weight, 0) > 0)) {
    ctx.addIssue({ code: 'custom', path: ['variants'], message: 'the weights must sum to more than 0' });
  }
  const seen = new Set<string>();
  model.variants.forEach((v, i) => {
    if (seen.has(v.name)) ctx.addIssue({ code: 'custom', path: ['variants', i, 'name'], message: `variant name ${JSON.stringify(v.name)} appears twice` });
    seen.add(v.name);
  });
});

export const WeightsConfigSchema = z.strictObject({
  models: z.array(ModelRouteSchema, { error: 'expected an array of models' }).min(1, 'expected at least one model'),
}).superRefine((config, ctx) => {
  const seen = new Set<string>();
  config.models.forEach((m, i) => {
    if (seen.has(m.name)) ctx.addIssue({ code: 'custom', path: ['models', i, 'name'], message: `model ${JSON.stringify(m.name)} appears twice` });
    seen.add(m.name);
  });
});

export type WeightsConfig = z.infer<typeof WeightsConfigSchema>;
export type ModelRoute = WeightsConfig['models'][number];
export type VariantRoute = ModelRoute['variants'][number];

export class WeightsConfigError extends Error {
  constructor(readonly source: string, detail: string) {
    super(`${source}: ${detail}`);
    this.name = 'WeightsConfigError';
  }
}

export function parseWeightsConfig(text: string, source = 'weights config'): WeightsConfig {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new WeightsConfigError(source, `not valid JSON (${(error as Error).message})`);
  }
  const parsed = WeightsConfigSchema.safeParse(json);
  if (!parsed.success) throw new WeightsConfigError(source, formatIssues(parsed.error.issues));
  return parsed.data;
}

export interface WeightsWatcherOptions {
  file: string;
  /** Loads the models of a validated config and switches to it; rejects to keep the previous one. */
  apply(config: WeightsConfig): Promise<void>;
  logger: Logger;
  /** Re-read interval: catches what fs.watch misses (network filesystems, some ConfigMap swaps). */
  pollMs?: number;
  /** false: poll only (filesystems without inotify; also how the poll path is tested). */
  watch?: boolean;
}

/**
 * Watches the file's directory rather than the file: a ConfigMap update swaps a `..data` symlink and editors
 * replace files by rename, both of which end a watch on the old inode. Every event and every poll re-reads
 * the file and acts only when its text differs from the one in force.
 */
export class WeightsFileWatcher {
  private applied: string | undefined;
  private lastProblem: string | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private watcher: fs.FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly options: WeightsWatcherOptions) {}

  /** The first check (awaited), then watch + poll. */
  async start(): Promise<void> {
    await this.check();
    if (this.closed) return;
    if (this.options.watch !== false) this.watch();
    this.timer = setInterval(() => void this.check(), this.options.pollMs ?? 5000);
    this.timer.unref();
  }

  private watch(): void {
    try {
      this.watcher = fs.watch(path.dirname(path.resolve(this.options.file)), () => this.schedule());
      this.watcher.on('error', (error) => {
        this.options.logger.warn({ err: error.message, file: this.options.file }, 'weights watch failed; polling only');
        this.watcher?.close();
        this.watcher = undefined;
      });
    } catch (error) {
      this.options.logger.warn({ err: (error as Error).message, file: this.options.file }, 'weights watch unavailable; polling only');
    }
  }

  /** Re-reads the file now; concurrent calls coalesce into one more pass after the running one. */
  check(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.pass();
      } while (this.again && !this.closed);
    })().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  close(): void {
    this.closed = true;
    this.watcher?.close();
    if (this.timer) clearInterval(this.timer);
    if (this.debounce) clearTimeout(this.debounce);
  }

  private schedule(): void {
    // A write arrives as several events; one read after they settle is enough.
    if (this.debounce || this.closed) return;
    this.debounce = setTimeout(() => {
      this.debounce = undefined;
      void this.check();
    }, 25);
  }

  private async pass(): Promise<void> {
    const { file, logger } = this.options;
    let text: string;
    try {
      text = await fs.promises.readFile(file, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      this.problem(code === 'ENOENT' ? `weights file ${file} does not exist (yet)` : `weights file ${file}: ${(error as Error).message}`, code === 'ENOENT' ? 'warn' : 'error');
      return;
    }
    if (text === this.applied) {
      this.lastProblem = undefined;
      return;
    }
    let config: WeightsConfig;
    try {
      config = parseWeightsConfig(text, file);
    } catch (error) {
      this.problem(`rejected new weights config, keeping the previous one: ${(error as Error).message}`, 'error');
      return;
    }
    try {
      await this.options.apply(config);
    } catch (error) {
      // Not remembered as applied: the next poll tries again (a model version may not be registered yet).
      this.problem(`could not load weights config ${file}, keeping the previous one: ${(error as Error).message}`, 'error');
      return;
    }
    this.applied = text;
    this.lastProblem = undefined;
    logger.info({ file, models: config.models.map((m) => ({ name: m.name, sticky: m.sticky, variants: m.variants })) }, 'weights config applied');
  }

  private problem(message: string, level: 'warn' | 'error'): void {
    if (message === this.lastProblem) return;
    this.lastProblem = message;
    this.options.logger[level]({ file: this.options.file }, message);
  }
}
