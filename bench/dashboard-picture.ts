// The dashboard's picture from a real run (issue 16 item 2): a fresh bench world (kube-apiserver,
// etcd, csi-driver-host-path), our sidecar, and a small workload that passes every panel —
// 50 snapshots created and made ready, 3 whose source volume does not exist (NotFound: error
// state and retries), deletions of which 10 first lack the snapshot-controller's being-deleted
// annotation (blocked), then everything deleted. /metrics is scraped every second; the panels of
// bench/dashboard-panels.ts are drawn from those scrapes into docs/dashboard.svg, the scrapes are
// kept in $TMPDIR/csi-dashboard-scrapes.json (the panels' metrics only), two full excerpts of our series
// in docs/dashboard-metrics-excerpt.txt, and manifests/grafana-dashboard.json is regenerated from
// the same panel list.
//   make dashboard-picture   (= node --import ./test/world/register-ts.ts bench/dashboard-picture.ts [--out DIR])
//   … bench/dashboard-picture.ts --from-scrapes /tmp/csi-dashboard-scrapes.json   redraws without a world
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { httpGet } from '../test/world/http-get.js';
import { readManifest } from '../test/world/manifest.js';
import { BENCH_DRIVER_LABEL } from './bench-world.js';
import { BEING_DELETED, CONTENTS, contentName, createContent } from './content-factory.js';
import { PANELS, type Scrape } from './dashboard-panels.js';
import { renderDashboard } from './dashboard-svg.js';
import { DASHBOARD_FILE, dashboardJson } from './grafana-dashboard.js';
import { parsePromText, sumBy } from './prom-text.js';
import { RunSession } from './run-session.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SNAPSHOTS = 50;
const BROKEN = 3;
const HELD = 10;
const FLAGS = ['--kube-api-qps=5', '--kube-api-burst=10', '--worker-threads=10', '--v=2'];
/** Our own series (and the upstream ones the dashboard uses) kept in the excerpt. */
const EXCERPT = /^(csi_snapshotter_(contents|oldest_unready|content_ready_seconds_(count|sum)|operation_retries|deletion_blocked|possible_orphans)|workqueue_depth)/;

function log(msg: string): void {
  process.stderr.write(`dashboard-picture: ${msg}\n`);
}

/** What a run leaves for drawing: the scrapes (only the panels' metrics) and two full excerpts. */
interface RunRecord {
  readonly when: string;
  readonly history: readonly Scrape[];
  readonly midText: string;
  readonly lastText: string;
}

const PANEL_METRICS = new Set([
  'csi_snapshotter_contents',
  'csi_snapshotter_oldest_unready_content_age_seconds',
  'csi_snapshotter_content_ready_seconds_bucket',
  'csi_snapshotter_operation_retries_total',
  'csi_snapshotter_deletion_blocked_total',
  'csi_snapshotter_possible_orphans_total',
  'csi_sidecar_operations_seconds_count',
  'workqueue_depth',
]);

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const outDir = path.resolve(argValue('--out') ?? path.join(REPO, 'docs'));
  const from = argValue('--from-scrapes');
  // --from-scrapes FILE redraws a recorded run (after a change to the drawing) without a world.
  const record = from !== undefined ? (JSON.parse(fs.readFileSync(from, 'utf8')) as RunRecord) : await recordRun();
  fs.mkdirSync(outDir, { recursive: true });
  if (from === undefined) {
    // ~0.6 MB: kept next to the run, not in the repository.
    const scrapes = path.join(os.tmpdir(), 'csi-dashboard-scrapes.json');
    fs.writeFileSync(scrapes, `${JSON.stringify(record)}\n`);
    log(`scrapes kept in ${scrapes} (redraw with --from-scrapes ${scrapes})`);
  }
  draw(record, outDir);
}

async function recordRun(): Promise<RunRecord> {
  const ac = new AbortController();
  const signal = ac.signal;
  process.once('SIGINT', () => ac.abort(new Error('interrupted')));
  process.once('SIGTERM', () => ac.abort(new Error('interrupted')));
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'csi-dashboard-'));
  const session = await RunSession.open({ manifest: readManifest(), workDir, side: 'ours', flags: FLAGS, signal });
  const history: Scrape[] = [];
  let scraping = true;
  let scraper: Promise<void> = Promise.resolve();
  let lastText = '';
  let midText = '';
  try {
    const volumes = await session.createVolumes(5);
    await session.startSidecar({ syncTimeoutMs: 60_000, settleMs: 0 });
    const url = session.sidecar?.metricsUrl ?? '';
    const t0 = performance.now();
    const scrape = async (): Promise<Scrape> => {
      const res = await httpGet(url, signal);
      lastText = res.body;
      const s = { t: Math.round(performance.now() - t0) / 1000, samples: parsePromText(res.body).filter((x) => PANEL_METRICS.has(x.name)) };
      history.push(s);
      return s;
    };
    scraper = (async () => {
      while (scraping) {
        await scrape();
        await sleep(1000, undefined, { signal });
      }
    })();
    const count = (state: string): number => sumBy(history.at(-1)?.samples ?? [], 'csi_snapshotter_contents', ['state']).get(state) ?? 0;
    const until = async (what: string, ok: () => boolean, maxMs = 120_000): Promise<void> => {
      const deadline = performance.now() + maxMs;
      while (!ok()) {
        if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}; run dir ${workDir}`);
        await sleep(250, undefined, { signal });
      }
    };
    await sleep(3000, undefined, { signal });
    log(`creating ${SNAPSHOTS} snapshots (5/s) and ${BROKEN} of a volume that does not exist`);
    const names = Array.from({ length: SNAPSHOTS }, (_, i) => contentName('dash', i));
    const broken = Array.from({ length: BROKEN }, (_, i) => contentName('dash-missing-volume', i));
    for (const [i, name] of names.entries()) {
      await createContent(session.kube, { name, volumeHandle: volumes[i % volumes.length] ?? '', finalizer: true }, session.world.driverName, signal);
      if (i === 20) for (const b of broken) await createContent(session.kube, { name: b, volumeHandle: 'no-such-volume', finalizer: true }, session.world.driverName, signal);
      await sleep(200, undefined, { signal });
    }
    await until(`${SNAPSHOTS} ready`, () => count('ready') === SNAPSHOTS);
    await sleep(8000, undefined, { signal });
    midText = lastText;
    log(`deleting: ${HELD} before the being-deleted annotation (blocked for 8 s), the rest as the snapshot-controller does`);
    for (const name of names.slice(0, HELD)) await session.kube.delete(`${CONTENTS}/${name}`, signal);
    for (const name of [...names.slice(HELD), ...broken]) {
      await session.kube.mergePatch(`${CONTENTS}/${name}`, { metadata: { annotations: { [BEING_DELETED]: 'yes' } } }, signal);
      await session.kube.delete(`${CONTENTS}/${name}`, signal);
      await sleep(100, undefined, { signal });
    }
    await sleep(8000, undefined, { signal });
    for (const name of names.slice(0, HELD)) {
      await session.kube.mergePatch(`${CONTENTS}/${name}`, { metadata: { annotations: { [BEING_DELETED]: 'yes' } } }, signal);
    }
    await until('every content gone', () => allGone(history.at(-1)));
    await sleep(6000, undefined, { signal });
    scraping = false;
    await scraper;
    await scrape();
  } finally {
    scraping = false;
    await scraper.catch(() => undefined);
    await session.close();
  }
  fs.rmSync(workDir, { recursive: true, force: true });
  return { when: new Date().toISOString().slice(0, 16).replace('T', ' '), history, midText, lastText };
}

function draw(record: RunRecord, outDir: string): void {
  const { when, history, midText, lastText } = record;
  const svgFile = path.join(outDir, 'dashboard.svg');
  fs.writeFileSync(
    svgFile,
    renderDashboard({
      title: 'csi-snapshotter — manifests/grafana-dashboard.json, drawn from a real run',
      subtitle: `${when} UTC · make dashboard-picture · ${SNAPSHOTS} snapshots (+${BROKEN} of a missing volume) created, then deleted · ${BENCH_DRIVER_LABEL} · --kube-api-qps=5`,
      panels: PANELS,
      history,
    }),
  );
  const excerpt = (text: string): string => text.split('\n').filter((l) => EXCERPT.test(l)).join('\n');
  fs.writeFileSync(
    path.join(outDir, 'dashboard-metrics-excerpt.txt'),
    `# ${when} UTC, make dashboard-picture: /metrics once all ${SNAPSHOTS} were ready\n${excerpt(midText)}\n\n# the same series after every content was deleted\n${excerpt(lastText)}\n`,
  );
  fs.writeFileSync(DASHBOARD_FILE, dashboardJson());
  log(`${history.length} scrapes; wrote ${svgFile}, ${path.join(outDir, 'dashboard-metrics-excerpt.txt')} and ${DASHBOARD_FILE}`);
}

function allGone(s: Scrape | undefined): boolean {
  if (s === undefined) return false;
  const m = sumBy(s.samples, 'csi_snapshotter_contents', []);
  return (m.get('') ?? 1) === 0;
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}
