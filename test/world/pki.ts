// The world's PKI, made with the openssl CLI: one CA (ECDSA P-256) that signs the apiserver's
// serving certificate (127.0.0.1, localhost) and the admin client certificate (O=system:masters),
// plus the RSA service-account key pair. Serials are random (not -CAcreateserial) so the two
// certificates can be signed in parallel. Also writes kubeconfigs that embed them.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { WorldError } from './world-error.js';

const run = promisify(execFile);

export interface Pki {
  readonly dir: string;
  readonly caCert: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly adminCert: string;
  readonly adminKey: string;
  readonly saKey: string;
  readonly saPub: string;
}

async function openssl(dir: string, args: readonly string[], signal: AbortSignal): Promise<void> {
  try {
    await run('openssl', [...args], { cwd: dir, signal });
  } catch (err) {
    throw new WorldError('start-failed', `openssl ${args[0] ?? ''} failed in ${dir}`, { cause: err });
  }
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

async function signedCert(
  dir: string,
  opts: { readonly name: string; readonly subject: string; readonly extensions: string },
  signal: AbortSignal,
): Promise<void> {
  const ext = `${opts.name}.ext`;
  fs.writeFileSync(path.join(dir, ext), opts.extensions);
  await openssl(dir, ['req', ...EC, '-keyout', `${opts.name}.key`, '-out', `${opts.name}.csr`, '-subj', opts.subject], signal);
  const serial = `0x${randomBytes(8).toString('hex')}`;
  await openssl(
    dir,
    ['x509', '-req', '-in', `${opts.name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-set_serial', serial,
      '-out', `${opts.name}.crt`, '-days', '7', '-extfile', ext],
    signal,
  );
}

export async function createPki(dir: string, signal: AbortSignal): Promise<Pki> {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  await openssl(dir, ['req', '-x509', ...EC, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '7', '-subj', '/CN=testworld-ca'], signal);
  await Promise.all([
    signedCert(dir, {
      name: 'apiserver',
      subject: '/CN=kube-apiserver',
      extensions: [
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
        'extendedKeyUsage=serverAuth',
        'keyUsage=critical,digitalSignature,keyEncipherment',
        '',
      ].join('\n'),
    }, signal),
    signedCert(dir, {
      name: 'admin',
      subject: '/O=system:masters/CN=admin',
      extensions: 'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature\n',
    }, signal),
    (async () => {
      await openssl(dir, ['genrsa', '-out', 'sa.key', '2048'], signal);
      await openssl(dir, ['rsa', '-in', 'sa.key', '-pubout', '-out', 'sa.pub'], signal);
    })(),
  ]);
  const p = (f: string): string => path.join(dir, f);
  return {
    dir,
    caCert: p('ca.crt'),
    serverCert: p('apiserver.crt'),
    serverKey: p('apiserver.key'),
    adminCert: p('admin.crt'),
    adminKey: p('admin.key'),
    saKey: p('sa.key'),
    saPub: p('sa.pub'),
  };
}

const b64 = (file: string): string => fs.readFileSync(file).toString('base64');

/** Writes a kubeconfig (mode 0600) for the admin user with every credential inlined. */
export function writeAdminKubeconfig(opts: { readonly file: string; readonly server: string; readonly pki: Pki }): void {
  const yaml = [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: testworld',
    '  cluster:',
    `    server: ${opts.server}`,
    `    certificate-authority-data: ${b64(opts.pki.caCert)}`,
    'users:',
    '- name: admin',
    '  user:',
    `    client-certificate-data: ${b64(opts.pki.adminCert)}`,
    `    client-key-data: ${b64(opts.pki.adminKey)}`,
    'contexts:',
    '- name: testworld',
    '  context:',
    '    cluster: testworld',
    '    user: admin',
    'current-context: testworld',
    '',
  ].join('\n');
  fs.writeFileSync(opts.file, yaml, { mode: 0o600 });
}
