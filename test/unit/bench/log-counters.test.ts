// The bench's three independent counters: audit log (API requests by user agent), the CSI mock
// driver's call log, and the sidecars' Prometheus metrics.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { countApiRequests, userAgentIs } from '../../../bench/audit-count.js';
import { countCsiCalls, deletedSnapshotIds } from '../../../bench/csi-call-count.js';
import { klogTimeMs } from '../../../bench/klog-time.js';
import { fileOffset, readLines, readNewLines } from '../../../bench/log-slice.js';
import { cpuSecondsFromStat, statusMb } from '../../../bench/proc-stats.js';
import { syncMarker } from '../../../bench/sidecar-under-test.js';
import { diffCounts, parseOperationCounts } from '../../../bench/sidecar-metrics.js';

const OURS = 'csi-snapshotter/0.1.0';
const UPSTREAM = 'csi-snapshotter-upstream/v0.0.0 (linux/amd64) kubernetes/$Format';

function audit(id: string, ua: string, verb: string, stage: string, subresource?: string): string {
  return JSON.stringify({ auditID: id, stage, verb, userAgent: ua, objectRef: { resource: 'volumesnapshotcontents', ...(subresource ? { subresource } : {}) } });
}

describe('audit log counting', () => {
  test('user agents are told apart by the name before "/": ours never matches upstream', () => {
    expect(userAgentIs(OURS, 'csi-snapshotter')).toBe(true);
    expect(userAgentIs(UPSTREAM, 'csi-snapshotter')).toBe(false);
    expect(userAgentIs(UPSTREAM, 'csi-snapshotter-upstream')).toBe(true);
  });

  test('a watch logged at ResponseStarted and ResponseComplete counts once, as list/watch', () => {
    const lines = [
      audit('w', OURS, 'watch', 'ResponseStarted'),
      audit('w', OURS, 'watch', 'ResponseComplete'),
      audit('l', OURS, 'list', 'ResponseComplete'),
      audit('p1', OURS, 'patch', 'ResponseComplete'),
      audit('p2', OURS, 'patch', 'ResponseComplete', 'status'),
      audit('u', UPSTREAM, 'get', 'ResponseComplete'),
      'not json',
    ];
    expect(countApiRequests(lines, 'csi-snapshotter')).toEqual({
      total: 4,
      list_watch: 2,
      per_object: 2,
      by_verb: {
        'list volumesnapshotcontents': 1,
        'patch volumesnapshotcontents': 1,
        'patch volumesnapshotcontents/status': 1,
        'watch volumesnapshotcontents': 1,
      },
    });
  });
});

describe('CSI mock driver call log', () => {
  test('counts gRPCCall lines by method and the ones that returned an error', () => {
    const lines = [
      'I1123 15:04:35.057286    9518 driver.go:245] gRPCCall: {"Method":"/csi.v1.Controller/CreateSnapshot","Request":{},"Response":{},"Error":"","FullError":null}',
      'I1123 15:04:35.057286    9518 driver.go:245] gRPCCall: {"Method":"/csi.v1.Controller/CreateSnapshot","Request":{},"Response":null,"Error":"rpc error: code = Internal","FullError":{}}',
      'I1123 15:04:35.056230    9518 driver.go:245] gRPCCall: {"Method":"/csi.v1.Identity/GetPluginInfo","Request":{},"Error":""}',
      'I1123 15:04:14.878433    9518 main.go:51] CSI mock driver serving',
    ];
    expect(countCsiCalls(lines)).toEqual({
      total: 3,
      failed: 1,
      by_method: { '/csi.v1.Controller/CreateSnapshot': 2, '/csi.v1.Identity/GetPluginInfo': 1 },
    });
  });
});

describe('csi-driver-host-path call log', () => {
  test('counts `GRPC call:` lines by method, and each `GRPC error:` line (logged apart from its call) as a failure', () => {
    const lines = [
      'I1206 13:25:58.483596   14708 server.go:98] GRPC call: /csi.v1.Identity/GetPluginInfo',
      'I1206 13:25:58.512599   14708 server.go:98] GRPC call: /csi.v1.Controller/CreateSnapshot',
      'I1206 13:25:58.512699   14708 server.go:98] GRPC call: /csi.v1.Controller/CreateSnapshot',
      'I1206 13:25:58.513000   14708 controllerserver.go:612] create volume snapshot /tmp/s/0b1c.snap',
      'E1206 13:25:58.526478   14708 server.go:107] GRPC error: rpc error: code = NotFound desc = volume id vol-x does not exist in the volumes list',
      'I1206 13:25:58.526478   14708 server.go:98] GRPC call: /csi.v1.GroupController/CreateVolumeGroupSnapshot',
    ];
    expect(countCsiCalls(lines)).toEqual({
      total: 4,
      failed: 1,
      by_method: { '/csi.v1.Controller/CreateSnapshot': 2, '/csi.v1.GroupController/CreateVolumeGroupSnapshot': 1, '/csi.v1.Identity/GetPluginInfo': 1 },
    });
  });

  test('a snapshot counts as deleted once DeleteSnapshot logged `deleting snapshot <id>` (past its checks)', () => {
    const lines = [
      'I1206 13:25:58.512599   14708 server.go:98] GRPC call: /csi.v1.Controller/DeleteSnapshot',
      'I1206 13:25:58.512650   14708 controllerserver.go:658] deleting snapshot 92b8714b-f178-11f1-8b4b-422af7855579',
      'I1206 13:25:58.512700   14708 server.go:98] GRPC call: /csi.v1.Controller/DeleteSnapshot',
      'E1206 13:25:58.512800   14708 server.go:107] GRPC error: rpc error: code = InvalidArgument desc = Snapshot with ID 77 is part of groupsnapshot 9',
    ];
    expect([...deletedSnapshotIds(lines)]).toEqual(['92b8714b-f178-11f1-8b4b-422af7855579']);
  });
});

describe('sidecar metrics', () => {
  test('csi_sidecar_operations_seconds_count is summed per method across drivers and codes', () => {
    const text = [
      '# TYPE csi_sidecar_operations_seconds histogram',
      'csi_sidecar_operations_seconds_bucket{driver_name="d",method_name="/csi.v1.Controller/CreateSnapshot",grpc_status_code="OK",le="0.1"} 3',
      'csi_sidecar_operations_seconds_count{driver_name="d",method_name="/csi.v1.Controller/CreateSnapshot",grpc_status_code="OK"} 3',
      'csi_sidecar_operations_seconds_count{driver_name="d",method_name="/csi.v1.Controller/CreateSnapshot",grpc_status_code="Internal"} 1',
      'csi_sidecar_operations_seconds_count{driver_name="unknown-driver",method_name="/csi.v1.Identity/Probe",grpc_status_code="OK"} 1',
    ].join('\n');
    const counts = parseOperationCounts(text);
    expect(counts).toEqual({ '/csi.v1.Controller/CreateSnapshot': 4, '/csi.v1.Identity/Probe': 1 });
    expect(diffCounts(counts, { '/csi.v1.Identity/Probe': 1, '/csi.v1.Controller/CreateSnapshot': 1 })).toEqual({ '/csi.v1.Controller/CreateSnapshot': 3 });
  });
});

describe('/proc parsing', () => {
  test('utime + stime are fields 14 and 15 even when comm holds spaces and parens', () => {
    const stat = '4242 (node (x) y) S 1 2 3 4 5 6 7 8 9 10 250 150 0 0 20 0';
    expect(cpuSecondsFromStat(stat, 100)).toBe(4);
  });

  test('VmRSS and VmHWM are read in MiB', () => {
    const status = 'Name:\tnode\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\n';
    expect(statusMb(status, 'VmHWM')).toBe(200);
    expect(statusMb(status, 'VmRSS')).toBe(100);
  });
});

describe('klog timestamps', () => {
  test('a klog header is read as local wall time with microseconds', () => {
    const ms = klogTimeMs('I1123 15:04:55.372024   10456 content-controller.js:143] "Caches synced"', new Date(2026, 0, 1));
    expect(ms).toBe(new Date(2026, 10, 23, 15, 4, 55).getTime() + 372.024);
    expect(klogTimeMs('{"level":"info"}')).toBeUndefined();
  });
});

describe('log slices', () => {
  test('only complete lines between two offsets are returned, and reading resumes after the last newline', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-'));
    try {
      const file = path.join(dir, 'log');
      fs.writeFileSync(file, 'one\ntwo\n');
      const mid = fileOffset(file);
      fs.appendFileSync(file, 'three\nfour-partial');
      expect(readLines(file, 0, mid)).toEqual(['one', 'two']);
      const chunk = readNewLines(file, mid);
      expect(chunk.lines).toEqual(['three']);
      fs.appendFileSync(file, '\n');
      expect(readNewLines(file, chunk.next).lines).toEqual(['four-partial']);
      expect(fileOffset(path.join(dir, 'missing'))).toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('deleted snapshot ids', () => {
  test('only DeleteSnapshot calls the driver acknowledged without error count as deleted', () => {
    const lines = [
      'I1 driver.go:245] gRPCCall: {"Method":"/csi.v1.Controller/DeleteSnapshot","Request":{"snapshot_id":"5"},"Response":{},"Error":"","FullError":null}',
      'I1 driver.go:245] gRPCCall: {"Method":"/csi.v1.Controller/DeleteSnapshot","Request":{"snapshot_id":"6"},"Response":null,"Error":"rpc error: code = Unavailable","FullError":{}}',
      'I1 driver.go:245] gRPCCall: {"Method":"/csi.v1.Controller/CreateSnapshot","Request":{"snapshot_id":"7"},"Error":""}',
    ];
    expect([...deletedSnapshotIds(lines)]).toEqual(['5']);
  });
});

describe('sync markers', () => {
  test("ours is synced at the VolumeSnapshotContent controller's line, not the group controller's", () => {
    const { pattern } = syncMarker('ours', []);
    expect(pattern.test('I1 kind-controller.js:86] "Caches synced; starting workers" controller="VolumeGroupSnapshotContent" contents=0')).toBe(false);
    expect(pattern.test('I1 kind-controller.js:86] "Caches synced; starting workers" controller="VolumeSnapshotContent" contents=10000')).toBe(true);
    expect(pattern.test('I1 content-controller.js:143] "Caches synced; starting workers" workers=10 contents=2')).toBe(true);
  });

  test('upstream is synced at "controller initialized" only from --v=4; below that the marker is a lower bound', () => {
    expect(syncMarker('upstream', ['--v=4'])).toMatchObject({ exact: true });
    expect(syncMarker('upstream', ['--v=4']).pattern.test('I1 snapshot_controller_base.go:416] controller initialized')).toBe(true);
    expect(syncMarker('upstream', [])).toMatchObject({ exact: false });
  });
});
