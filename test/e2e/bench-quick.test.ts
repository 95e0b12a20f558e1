// Keeps the benchmark harness working: runs `bench/run.ts --quick` (W1 and W4 at N=10, one
// repetition, both sidecars, each on its own fresh world) in-process and checks the results file's
// shape, the driver it ran on (csi-driver-host-path) and the backend counts. No timing
// assertions: speed targets live in the bench's report.
// Needs `npm run build` (our sidecar) and the test world's cached binaries (test/world/build.sh);
// it does not use the shared TESTWORLD world.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { runBench } from '../../bench/run.js';
import type { BenchOutput } from '../../bench/run.js';
import type { BenchResult } from '../../bench/results-schema.js';

const SIDE_FIELDS = ['seconds', 'cpu_seconds', 'peak_rss_mb', 'api_requests_per_snapshot', 'csi_calls_per_snapshot'] as const;

describe('bench --quick', () => {
  test(
    'writes results with machine, command and per-side figures for W1 and W4, and the backend counts are right',
    async () => {
      const logs: string[] = [];
      let out: BenchOutput | undefined;
      try {
        out = await runBench({
          quick: true,
          workloads: ['W1', 'W4'],
          reps: 1,
          cpuProf: false,
          command: 'bench/run.ts --quick (jest)',
          signal: AbortSignal.timeout(280_000),
          log: (m) => logs.push(m),
        });
        expect(out.problems).toEqual([]);
        const result = JSON.parse(fs.readFileSync(out.resultsFile, 'utf8')) as BenchResult;
        expect(fs.readFileSync(path.join(path.dirname(out.resultsFile), 'latest.json'), 'utf8')).toBe(fs.readFileSync(out.resultsFile, 'utf8'));
        expect(result.machine).toEqual(expect.objectContaining({ cpus: expect.any(Number), memGiB: expect.any(Number), node: expect.any(String), kernel: expect.any(String) }));
        expect(result.command).toBe('bench/run.ts --quick (jest)');
        expect(result.workloads.map((w) => `${w.name}:${w.n}`)).toEqual(['W1:10', 'W4:10']);
        for (const w of result.workloads) {
          for (const side of [w.ours, w.upstream]) {
            for (const f of SIDE_FIELDS) expect(side[f]).toEqual(expect.any(Number));
            expect(side.failed_runs).toBe(0);
          }
          for (const f of SIDE_FIELDS) expect(w.ratio[f]).toEqual(expect.any(Number));
          const expected = w.name === 'W1' ? w.n : 0;
          expect(w.ours.backend_snapshots).toBe(expected);
          expect(w.upstream.backend_snapshots).toBe(expected);
          // Measured on csi-driver-host-path, and recorded so: the driver's ListSnapshots agrees with its call log.
          expect(w.csi_driver).toBe('csi-driver-host-path v1.18.0 (hostpathplugin)');
          if (w.name === 'W4') for (const r of [...w.ours.runs, ...w.upstream.runs]) expect(r.backend_listed).toBe(0);
        }
        expect(result.targets.find((t) => t.id === 'W1-time')?.status).not.toBe('not-run');
        expect(out.chartFile && fs.readFileSync(out.chartFile, 'utf8')).toMatch(/^<svg/);
        expect(fs.readFileSync(out.reportFile, 'utf8')).toContain('bench/run.ts --quick (jest)');
      } catch (err) {
        throw new Error(`${err instanceof Error ? err.message : String(err)}\nbench log:\n${logs.join('\n')}`, { cause: err });
      } finally {
        if (out) fs.rmSync(path.dirname(out.resultsFile), { recursive: true, force: true });
      }
    },
    300_000,
  );
});
