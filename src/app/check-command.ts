// `--check`: runs every start-up diagnostic once, prints the human-readable report to stdout and
// returns the exit code (0: no problem, 1: at least one). Never starts informers, workers, the
// HTTP server or leader election, so it is safe as an initContainer or by hand next to a running
// sidecar. Logs (the handshake's, the check's own) still go to stderr.

import type { Writable } from 'node:stream';
import type { Clock } from '../base/clock.js';
import type { Options } from '../cli/options.js';
import type { Logger } from '../observability/logger.js';
import { runDriverCheck, runKubeChecks, runSocketCheck } from './startup-checks.js';
import { driverItems, formatReport, reportPassed, type StartupReport } from './startup-report.js';

export interface CheckCommandParams {
  readonly options: Options;
  readonly log: Logger;
  readonly clock: Clock;
  readonly version: string;
  readonly out: Writable;
  readonly signal: AbortSignal;
  readonly driverBudgetMs?: number;
}

export async function gatherCheckReport(params: CheckCommandParams): Promise<StartupReport> {
  const { options, log, clock, signal } = params;
  const kube = runKubeChecks({ options, version: params.version, clock, log, signal });
  const csi = (async () => {
    const socket = await runSocketCheck(options);
    const driver =
      socket.status === 'ok'
        ? await runDriverCheck({ options, log, clock, signal, ...(params.driverBudgetMs !== undefined ? { budgetMs: params.driverBudgetMs } : {}) })
        : { kind: 'skipped' as const, reason: 'not asked: the socket cannot be opened' };
    return [socket, ...driverItems(driver)];
  })();
  const [kubeItems, csiItems] = await Promise.all([kube, csi]);
  return { items: [...kubeItems, ...csiItems] };
}

export async function runCheckCommand(params: CheckCommandParams): Promise<number> {
  const report = await gatherCheckReport(params);
  await new Promise<void>((resolve, reject) => params.out.write(formatReport(report), (err) => (err ? reject(err) : resolve())));
  return reportPassed(report) ? 0 : 1;
}
