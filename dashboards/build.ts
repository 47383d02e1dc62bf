/**
 * Writes the dashboards as Grafana JSON (`--out DIR`) and/or regenerates the committed rule, test and
 * Alertmanager files (`--generated DIR`, normally dashboards/generated):
 *   node --import tsx dashboards/build.ts --out dist/dashboards --generated dashboards/generated
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { Command } from 'commander';
import { dashboardFiles, generatedFiles } from './index';

export async function writeFiles(dir: string, files: Record<string, string>): Promise<string[]> {
  const written: string[] = [];
  for (const [name, text] of Object.entries(files)) {
    const file = path.join(dir, name);
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, text);
    written.push(file);
  }
  return written;
}

export function dashboardJsonFiles(): Record<string, string> {
  return Object.fromEntries(Object.entries(dashboardFiles()).map(([name, d]) => [name, `${JSON.stringify(d, null, 2)}\n`]));
}

async function main(argv: string[]): Promise<void> {
  const options = new Command('dashboards/build.ts')
    .description('Generate Grafana dashboards, Prometheus rules, promtool tests and the Alertmanager config')
    .option('--out <dir>', 'directory for the dashboard JSON files')
    .option('--generated <dir>', 'directory for rules/, tests/ and alertmanager.yaml (the committed dashboards/generated)')
    .parse(argv)
    .opts<{ out?: string; generated?: string }>();
  if (!options.out && !options.generated) throw new Error('nothing to do: pass --out DIR and/or --generated DIR');
  const written = [
    ...(options.out ? await writeFiles(options.out, dashboardJsonFiles()) : []),
    ...(options.generated ? await writeFiles(options.generated, generatedFiles()) : []),
  ];
  for (const file of written) process.stdout.write(`${file}\n`);
}

if (require.main === module) {
  main(process.argv).catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
