// kube-apiserver for the world: loopback only, client-cert auth with the world CA, RBAC, and an
// audit log that records every request at Metadata level so tests can count API calls per user
// agent. No controller-manager runs, so the admission plugins that need one are off.
import fs from 'node:fs';
import path from 'node:path';
import { KubeRest } from './kube-rest.js';
import type { Pki } from './pki.js';
import { writeAdminKubeconfig } from './pki.js';
import { freePort } from './ports.js';
import { readyOrStopped, startProcess, startWithRetry } from './proc.js';
import type { ManagedProcess } from './proc.js';

export interface Apiserver {
  readonly url: string;
  readonly kubeconfig: string;
  readonly auditLog: string;
  readonly process: ManagedProcess;
}

export interface StartApiserverOptions {
  readonly binary: string;
  readonly etcdUrl: string;
  readonly pki: Pki;
  readonly runDir: string;
  readonly logDir: string;
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

// One rule, Metadata level, every request; RequestReceived is omitted so each request yields one
// ResponseComplete event (long-running watches add a ResponseStarted).
const AUDIT_POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
- level: Metadata
`;

export function startApiserver(opts: StartApiserverOptions): Promise<Apiserver> {
  const policy = path.join(opts.runDir, 'audit-policy.yaml');
  const auditLog = path.join(opts.runDir, 'audit.log');
  const kubeconfig = path.join(opts.runDir, 'admin.kubeconfig');
  fs.writeFileSync(policy, AUDIT_POLICY);
  return startWithRetry(3, async () => {
    const port = await freePort();
    const url = `https://127.0.0.1:${port}`;
    writeAdminKubeconfig({ file: kubeconfig, server: url, pki: opts.pki });
    const client = await KubeRest.fromKubeconfig({ kubeconfig, userAgent: 'testworld/launcher' });
    const proc = startProcess({
      name: 'kube-apiserver',
      binary: opts.binary,
      logDir: opts.logDir,
      args: [
        `--etcd-servers=${opts.etcdUrl}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        `--secure-port=${port}`,
        `--cert-dir=${opts.pki.dir}`,
        `--tls-cert-file=${opts.pki.serverCert}`,
        `--tls-private-key-file=${opts.pki.serverKey}`,
        `--client-ca-file=${opts.pki.caCert}`,
        `--service-account-issuer=${url}`,
        `--service-account-key-file=${opts.pki.saPub}`,
        `--service-account-signing-key-file=${opts.pki.saKey}`,
        '--service-cluster-ip-range=10.0.0.0/24',
        '--authorization-mode=RBAC',
        '--disable-admission-plugins=ServiceAccount,StorageObjectInUseProtection',
        '--allow-privileged=true',
        '--endpoint-reconciler-type=none',
        '--profiling=false',
        `--audit-policy-file=${policy}`,
        `--audit-log-path=${auditLog}`,
        '--audit-log-format=json',
        '--audit-log-maxsize=2000',
        '--v=1',
      ],
    });
    await readyOrStopped(proc, async (signal) => (await client.get('/readyz', signal)) === 'ok', {
      what: 'kube-apiserver /readyz',
      timeoutMs: opts.timeoutMs ?? 90_000,
      intervalMs: 200,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    return { url, kubeconfig, auditLog, process: proc };
  });
}
