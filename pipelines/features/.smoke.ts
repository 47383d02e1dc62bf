import { Command } from 'commander';
import { createContext } from '../cli/context';
import { featuresCommand } from '../cli/features';
(async () => {
  const ctx = createContext({}, () => ({}));
  const p = new Command('gogooku3').addCommand(featuresCommand(ctx));
  await p.parseAsync(['node', 'x', ...process.argv.slice(2)]);
  process.exitCode = ctx.exitCode;
})();
