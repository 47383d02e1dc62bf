#!/usr/bin/env node
// The CLI runs from TypeScript sources through tsx's require hook, so `npm ci` needs no build step.
require('tsx/cjs/api').register();
require('../pipelines/cli/main.ts').main(process.argv).then(
  (code) => { process.exitCode = code; },
  (err) => { process.stderr.write(`gogooku3: ${err && err.stack ? err.stack : err}\n`); process.exitCode = 70; },
);
