// Worker threads start with a fresh module system: register tsx so the TypeScript sources load as in the CLI.
require('tsx/cjs/api').register();
require('./worker.ts');
