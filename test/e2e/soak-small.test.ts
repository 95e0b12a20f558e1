// The random-kill soak, small (make test): 10 VolumeSnapshots churned while our sidecar is SIGKILLed
// 3 times at random moments; `make soak` runs the big one. The seed is printed; SOAK_SEED replays it.
import { expect, test } from '@jest/globals';
import { recordRow, type FaultEnv } from './faults/fault-world.js';
import { faultWorldPerFile } from './faults/fault-world-per-file.js';
import { runSoak, soakSeed } from './soak.js';

let env: FaultEnv;
faultWorldPerFile('soak', (e) => (env = e));

test('soak (N=10, K=3): one backend snapshot per VolumeSnapshot, none for churned ones, none after deleting all', async () => {
  const seed = soakSeed();
  const lines: string[] = [];
  const r = await runSoak({ env, n: 10, kills: 3, seed, log: (l) => lines.push(l) });
  process.stdout.write(`${lines.join('\n')}\n`);
  expect({ seed, perLive: r.perLive }).toEqual({ seed, perLive: r.perLive.map(() => 1) });
  expect(r.leftByChurned).toBe(0);
  expect(r.backendBeforeDelete).toBe(r.live);
  expect(r.backendAfterDelete).toBe(0);
  expect(r.unexpectedExits).toBe(0);
  expect(r.live + r.churned).toBe(10);
  recordRow('soak (small)', `N=10 VolumeSnapshots, K=3 SIGKILLs at random moments, seed ${seed}`, `${r.live} live with 1 backend snapshot each, ${r.churned} churned with 0 left; backend ${r.backendBeforeDelete} before / ${r.backendAfterDelete} after deleting all; proxy: ${r.createCalls} CreateSnapshot, ${r.deleteCalls} DeleteSnapshot`);
}, 400_000);
