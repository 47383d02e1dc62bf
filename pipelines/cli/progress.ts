import { SingleBar, Presets } from 'cli-progress';

export interface Progress {
  start(total: number, label: string): void;
  increment(by?: number): void;
  stop(): void;
}

/** A progress bar on stderr when a person is watching (TTY, not CI); silent otherwise. */
export function createProgress(stream: NodeJS.WriteStream = process.stderr, env = process.env): Progress {
  if (!stream.isTTY || env.CI) return { start() {}, increment() {}, stop() {} };
  const bar = new SingleBar({ stream, format: '{label} [{bar}] {value}/{total} {eta_formatted}', hideCursor: true }, Presets.shades_classic);
  return {
    start: (total, label) => bar.start(total, 0, { label }),
    increment: (by = 1) => bar.increment(by),
    stop: () => bar.stop(),
  };
}
