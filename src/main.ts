// Process entry point (dist/main.js; bundled into dist/bundle/csi-snapshotter.mjs, which
// bin/csi-snapshotter and the image run): the only code that reads process.argv and process.env.
// It sits above both layers it wires: cli/ decides whether to run, app/ runs the sidecar.

import { runSidecar } from './app/run.js';
import { cliMain, readPackageVersion } from './cli/cli-main.js';
import { SyncFdWritable } from './observability/winston-logger.js';

const outcome = cliMain(process.argv.slice(2), process.env, {
  stdout: new SyncFdWritable(1),
  stderr: new SyncFdWritable(2),
  program: { name: 'csi-snapshotter', version: readPackageVersion() },
});
if (outcome.kind === 'exit') {
  process.exitCode = outcome.code;
} else {
  process.exitCode = await runSidecar(outcome.options, outcome.log);
}
