import * as pulumi from '@pulumi/pulumi';
import { deserializeProperties } from '@pulumi/pulumi/runtime/rpc';
import * as settings from '@pulumi/pulumi/runtime/settings';

/**
 * Runs a Pulumi program in-process under `pulumi.runtime.setMocks` (no CLI, no engine, no cluster) and records
 * every resource registration with its parent, so the program's Kubernetes objects can be written out as plain
 * manifests. Secret inputs keep Pulumi's secret wrapper (`isSecretValue`), which is how the render and the stack
 * tests tell a secret from a plain value.
 */

export interface CapturedResource {
  urn: string;
  type: string;
  name: string;
  /** URN of the parent resource, '' for top-level resources. */
  parent: string;
  custom: boolean;
  /** Resolved inputs; secret values are `{ [SECRET_SIG_KEY]: SECRET_SIG, value }`. */
  inputs: Record<string, unknown>;
}

const SIG_KEY = '4dabf18193072939515e22adb298388d';
const SECRET_SIG = '1b47061264138c4ac30d75fd1eb44270';

export function isSecretValue(v: unknown): v is { value: unknown } {
  return typeof v === 'object' && v !== null && (v as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

export interface CaptureOptions {
  project: string;
  stack: string;
  /** Fully qualified config keys → string, as the engine would pass them. */
  config: Record<string, string>;
  /** Config keys that are secrets (config.requireSecret returns them wrapped). */
  secretKeys?: string[];
}

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getObject(): unknown;
}
type Callback = (err: unknown, resp?: { getUrn(): string }) => void;

/** Only one capture may run at a time: the Pulumi runtime's settings and config are process-global. */
let running: Promise<unknown> = Promise.resolve();

export async function captureProgram<T>(program: () => Promise<T> | T, options: CaptureOptions): Promise<{ resources: CapturedResource[]; outputs: T }> {
  const previous = running;
  let release!: () => void;
  running = new Promise<void>((r) => { release = r; });
  await previous;
  try {
    return await captureExclusive(program, options);
  } finally {
    release();
  }
}

async function captureExclusive<T>(program: () => Promise<T> | T, options: CaptureOptions): Promise<{ resources: CapturedResource[]; outputs: T }> {
  const resources: CapturedResource[] = [];
  await pulumi.runtime.setMocks({
    newResource(args) {
      // Echo the inputs as state and default metadata.name to the logical name, so outputs such as a
      // Service's name resolve the way they would without auto-naming suffixes.
      const state: Record<string, unknown> = { ...args.inputs };
      if (args.type.startsWith('kubernetes:') && typeof args.inputs?.metadata === 'object') {
        state.metadata = { name: args.name, ...(args.inputs.metadata as object) };
      }
      return { id: `${args.name}-id`, state };
    },
    call(args) {
      return args.inputs;
    },
  }, options.project, options.stack, false);
  pulumi.runtime.setAllConfig(options.config, options.secretKeys ?? []);
  const monitor = settings.getMonitor() as unknown as { registerResource(req: RegisterRequest, cb: Callback): void };
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, cb) => {
    register(req, (err, resp) => {
      if (!err && resp) {
        resources.push({
          urn: resp.getUrn(), type: req.getType(), name: req.getName(), parent: req.getParent(), custom: req.getCustom(),
          inputs: deserializeProperties(req.getObject() as never) as Record<string, unknown>,
        });
      }
      cb(err, resp);
    });
  };
  const outputs = await program();
  // waitForRPCs is internal to @pulumi/pulumi (not in its d.ts) but is exactly "every registration finished".
  await (settings as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
  return { resources, outputs };
}
