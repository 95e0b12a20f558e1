// `make soak`: the random-kill soak at full size against a PRIVATE world (its own etcd,
// kube-apiserver, snapshot-controller) and a private hostpathplugin behind the fault proxy.
//   make soak                      N=40 VolumeSnapshots, K=12 kills, a fresh seed
//   make soak SOAK_N=100 SOAK_K=30 SOAK_SEED=1234
// Prints the seed first and a result line; exits 1 when an invariant does not hold.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startWorld } from '../world/world.js';
import { setupFaults } from './faults/fault-world.js';
import { runSoak, soakSeed } from './soak.js';

function intEnv(name: string, dflt: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name}=${v} is not a positive integer`);
  return n;
}

async function main(): Promise<number> {
  const n = intEnv('SOAK_N', 40);
  const kills = intEnv('SOAK_K', 12);
  const seed = soakSeed();
  console.log(`soak seed ${seed} (replay with SOAK_SEED=${seed})`);
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'soak-world-'));
  const world = await startWorld({ runDir, drivers: [] });
  let env;
  try {
    env = await setupFaults('soak', { world: world.toJson() });
    const t0 = Date.now();
    const r = await runSoak({ env, n, kills, seed, log: (l) => console.log(l) });
    const problems: string[] = [];
    const bad = r.perLive.filter((c) => c !== 1).length;
    if (bad > 0) problems.push(`${bad} live VolumeSnapshots without exactly one backend snapshot (the content's)`);
    if (r.leftByChurned !== 0) problems.push(`${r.leftByChurned} backend snapshots left by deleted VolumeSnapshots`);
    if (r.backendBeforeDelete !== r.live) problems.push(`${r.backendBeforeDelete} backend snapshots for ${r.live} live VolumeSnapshots`);
    if (r.backendAfterDelete !== 0) problems.push(`${r.backendAfterDelete} backend snapshots after deleting all`);
    if (r.unexpectedExits !== 0) problems.push(`${r.unexpectedExits} sidecar exits that were not our kills`);
    console.log(`soak: N=${n} K=${kills} seed=${seed} live=${r.live} churned=${r.churned} backend before delete=${r.backendBeforeDelete} after=${r.backendAfterDelete} CreateSnapshot calls=${r.createCalls} DeleteSnapshot calls=${r.deleteCalls} in ${Math.round((Date.now() - t0) / 1000)} s`);
    if (problems.length > 0) {
      console.log(`SOAK FAILED (seed ${seed}):\n  ${problems.join('\n  ')}\nrun dir: ${runDir}, sidecar logs: ${env.dir}`);
      return 1;
    }
    console.log('SOAK PASSED');
    return 0;
  } finally {
    await env?.close();
    await world.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
