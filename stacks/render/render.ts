import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CONFIG_NAMESPACE, parseStackConfig, SECRET_KEYS } from '../config';
import { parseStackFile, stackFilePath, STACKS_DIR } from '../stackfile';
import { captureProgram, type CapturedResource } from './capture';
import { renderManifests, type Rendered, type RenderOptions } from './manifests';

/**
 * `gogooku3 stack render`: the stack's own Pulumi program run under mocks with the config of
 * stacks/Pulumi.<env>.yaml. Secret config gets placeholder values marked secret: they can only reach Secrets,
 * which the render replaces by ExternalSecrets, so no value (placeholder or real) is ever written.
 */

export const PLACEHOLDER_PREFIX = 'render-placeholder-';

export interface StackRunOptions {
  stacksDir?: string;
  /** The program to run; default the real one (stacks/program.ts). */
  program?: () => Promise<unknown>;
}

export async function captureStack(env: string, options: StackRunOptions = {}): Promise<{ resources: CapturedResource[]; outputs: unknown }> {
  const file = stackFilePath(env, options.stacksDir ?? STACKS_DIR);
  const { raw, secureKeys } = parseStackFile(await readFile(file, 'utf8'), file);
  parseStackConfig(raw);
  const secretKeys = [...new Set([...SECRET_KEYS.map((k) => `${CONFIG_NAMESPACE}:${k}`), ...secureKeys])];
  const config: Record<string, string> = { ...raw };
  for (const k of secretKeys) config[k] = `${PLACEHOLDER_PREFIX}${k.split(':').pop()}-0123456789`;
  const program = options.program ?? (async () => (require('../program') as typeof import('../program')).runProgram());
  return captureProgram(program, { project: 'gogooku3', stack: env, config, secretKeys });
}

export async function renderStack(env: string, options: StackRunOptions & Partial<RenderOptions> = {}): Promise<Rendered> {
  const { resources } = await captureStack(env, options);
  return renderManifests(resources, { env, secretStore: options.secretStore, fluxNamespace: options.fluxNamespace });
}

const HEADER = '# Rendered by `gogooku3 stack render';

/** Writes the files; earlier rendered files no longer produced are removed (hand-written files are kept). */
export async function writeRendered(outDir: string, rendered: Rendered): Promise<{ written: string[]; removed: string[] }> {
  await mkdir(outDir, { recursive: true });
  const removed: string[] = [];
  for (const name of await readdir(outDir)) {
    if (!name.endsWith('.yaml') || rendered.files.has(name)) continue;
    const text = await readFile(path.join(outDir, name), 'utf8').catch(() => '');
    if (text.startsWith(HEADER)) {
      await rm(path.join(outDir, name));
      removed.push(name);
    }
  }
  for (const [name, content] of rendered.files) await writeFile(path.join(outDir, name), content);
  return { written: [...rendered.files.keys()], removed };
}
