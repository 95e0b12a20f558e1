// Process entry point (dist/cli/main.js, run by bin/csi-snapshotter): the only code that reads
// process.argv and process.env. Everything up to the decision to run lives in ./cli-main.ts.

import { runSidecar } from '../app/run.js';
import { SyncFdWritable } from '../observability/winston-logger.js';
import { cliMain, readPackageVersion } from './cli-main.js';

const outcome = cliMain(process.argv.slice(2), process.env, {
  stdout: new SyncFdWritable(1),
  stderr: new SyncFdWritable(2),
  program: { name: 'csi-snapshotter', version: readPackageVersion(import.meta.url) },
});
if (outcome.kind === 'exit') {
  process.exitCode = outcome.code;
} else {
  process.exitCode = await runSidecar(outcome.options, outcome.log);
}
