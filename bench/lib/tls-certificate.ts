/**
 * A throw-away self-signed certificate for the TLS scenario, made at run time with the openssl
 * command (Node cannot make X.509 certificates) into build/bench-tls/, which is never
 * committed. Without the command the TLS scenario is reported n/a, with the reason.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './repo-root.js';

const DIR = join(REPO_ROOT, 'build/bench-tls');

/** Where the servers find the certificate and its key (PEM). */
export const TLS_FILES = { certFile: join(DIR, 'cert.pem'), keyFile: join(DIR, 'key.pem') };

/** Makes a fresh P-256 certificate for 127.0.0.1; returns null, or why it could not. */
export function makeCertificate(): string | null {
  mkdirSync(DIR, { recursive: true });
  const result = spawnSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=127.0.0.1',
      '-keyout',
      TLS_FILES.keyFile,
      '-out',
      TLS_FILES.certFile,
    ],
    { encoding: 'utf8' },
  );
  if (result.error) return `no openssl command to make a certificate (${result.error.message})`;
  if (result.status !== 0) return `openssl req failed: ${result.stderr.trim().split('\n')[0]}`;
  return null;
}
