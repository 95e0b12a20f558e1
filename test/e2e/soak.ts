// The random-kill soak: N VolumeSnapshots created and churned (some deleted while others are still
// being created) while our sidecar is SIGKILLed at random moments K times and restarted; driver
// calls get random delays through the fault proxy so kills land inside RPCs too. Everything random
// comes from one seeded PRNG (the seed is printed; SOAK_SEED replays it). Afterwards it checks real
// state: every live VolumeSnapshot's content ready with exactly one backend snapshot (asked of the
// driver directly), nothing on the driver for the deleted ones, and nothing at all after deleting
// every VolumeSnapshot. Used by `make soak` (soak-run.ts) and, small, by soak-small.test.ts.
import type { SnapshotFixture } from '../world/fixtures.js';
import { backendFor, contentName, contentPath, getOrUndefined, signal, sleep, vsPath, waitGone, waitReady, type Content, type FaultEnv } from './faults/fault-world.js';

/** mulberry32: a tiny seeded PRNG, uniform in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SoakOptions {
  readonly env: FaultEnv;
  /** VolumeSnapshots created in all. */
  readonly n: number;
  /** SIGKILLs of the sidecar. */
  readonly kills: number;
  readonly seed: number;
  /** Share of VolumeSnapshots deleted again during the run (churn), default 0.3. */
  readonly churn?: number;
  readonly log?: (line: string) => void;
}

export interface SoakResult {
  readonly seed: number;
  readonly n: number;
  readonly kills: number;
  /** VolumeSnapshots deleted during the run. */
  readonly churned: number;
  /** VolumeSnapshots alive at the end of the run. */
  readonly live: number;
  /** Backend snapshots per live VolumeSnapshot (each must be exactly 1). */
  readonly perLive: readonly number[];
  /** Backend snapshots left by churned VolumeSnapshots (must be 0). */
  readonly leftByChurned: number;
  /** All backend snapshots before the final deletion (must equal live). */
  readonly backendBeforeDelete: number;
  /** All backend snapshots after deleting every VolumeSnapshot (must be 0). */
  readonly backendAfterDelete: number;
  /** Sidecar exits that were not our SIGKILLs (must be 0). */
  readonly unexpectedExits: number;
  /** CreateSnapshot / DeleteSnapshot calls seen by the proxy. */
  readonly createCalls: number;
  readonly deleteCalls: number;
}

export async function runSoak(o: SoakOptions): Promise<SoakResult> {
  const { env } = o;
  const rnd = seededRandom(o.seed);
  const between = (lo: number, hi: number): number => Math.round(lo + rnd() * (hi - lo));
  const log = o.log ?? (() => undefined);
  const churn = o.churn ?? 0.3;
  log(`soak: seed=${o.seed} N=${o.n} K=${o.kills} churn=${churn}`);

  // Random delays on the calls that change the backend, so kills also land inside RPCs.
  const removeRules = [
    env.proxy.on('CreateSnapshot', { delayMs: () => between(0, 400) }),
    env.proxy.on('DeleteSnapshot', { delayMs: () => between(0, 400) }),
  ];
  const ns = `soak-${o.seed.toString(36)}`;
  const live: SnapshotFixture[] = [];
  const churned: SnapshotFixture[] = [];
  let unexpectedExits = 0;
  let creating = true;

  const creator = async (): Promise<void> => {
    for (let i = 0; i < o.n; i++) {
      live.push(await env.fixture({ namespace: ns }));
      await sleep(between(0, 300));
      if (live.length > 1 && rnd() < churn) {
        const victim = live.splice(between(0, live.length - 1), 1)[0];
        if (victim) {
          churned.push(victim);
          await env.kube.delete(vsPath(victim), signal());
        }
      }
    }
    creating = false;
  };

  const killer = async (): Promise<void> => {
    for (let k = 0; k < o.kills; k++) {
      // Spread the kills over the creation phase and a little after it.
      await sleep(between(300, creating ? 3_000 : 1_500));
      const s = env.sidecar;
      if (s.process.exitCode !== null || s.process.signalCode !== null) unexpectedExits += 1;
      const code = await s.kill();
      if (code !== 137) unexpectedExits += 1;
      log(`soak: kill ${k + 1}/${o.kills} (live ${live.length}, churned ${churned.length})`);
      await sleep(between(0, 500));
      env.startSidecar();
    }
  };

  await Promise.all([creator(), killer()]);
  for (const f of live) await waitReady(env, contentName(f), 180_000);
  for (const f of churned) await waitGone(env, contentPath(contentName(f)), 180_000);
  const last = env.sidecar.process;
  if (last.exitCode !== null || last.signalCode !== null) unexpectedExits += 1;

  const perLive: number[] = [];
  for (const f of live) {
    const content = await getOrUndefined<Content>(env.kube, contentPath(contentName(f)));
    const onDriver = await backendFor(env, f);
    // Exactly one, and the one the content records.
    perLive.push(onDriver.length === 1 && onDriver[0]?.snapshot_id === content?.status?.snapshotHandle ? 1 : onDriver.length === 1 ? -1 : onDriver.length);
  }
  let leftByChurned = 0;
  for (const f of churned) leftByChurned += (await backendFor(env, f)).length;
  const backendBeforeDelete = (await env.backend()).length;

  for (const f of live) await env.kube.delete(vsPath(f), signal());
  for (const f of live) await waitGone(env, contentPath(contentName(f)), 180_000);
  const backendAfterDelete = (await env.backend()).length;
  for (const r of removeRules) r();

  const result: SoakResult = {
    seed: o.seed,
    n: o.n,
    kills: o.kills,
    churned: churned.length,
    live: live.length,
    perLive,
    leftByChurned,
    backendBeforeDelete,
    backendAfterDelete,
    unexpectedExits,
    createCalls: env.proxy.calls('CreateSnapshot').length,
    deleteCalls: env.proxy.calls('DeleteSnapshot').length,
  };
  log(`soak result: ${JSON.stringify({ ...result, perLive: summarize(perLive) })}`);
  return result;
}

function summarize(counts: readonly number[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of counts) out[String(c)] = (out[String(c)] ?? 0) + 1;
  return out;
}

/** The seed: SOAK_SEED when set (to replay a run), else a fresh one. */
export function soakSeed(env: NodeJS.ProcessEnv = process.env): number {
  const s = env['SOAK_SEED'];
  if (s !== undefined && s !== '') {
    const n = Number(s);
    if (!Number.isInteger(n) || n < 0) throw new Error(`SOAK_SEED=${s} is not a non-negative integer`);
    return n;
  }
  return Math.floor(Math.random() * 2 ** 31);
}
