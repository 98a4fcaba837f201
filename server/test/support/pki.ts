/**
 * A throwaway certificate authority made with the `openssl` CLI, for loopback HTTPS targets in tests
 * and the benchmark. ECDSA P-256 keeps handshakes cheap on a 2-core machine.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface Pem {
  cert: string;
  key: string;
  certFile: string;
}

export interface TestCa extends Pem {
  dir: string;
  /** A leaf certificate for these DNS names and IP addresses, signed by this CA. */
  issue(names: string[], ips?: string[]): Pem;
  remove(): void;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

export function makeTestCa(commonName = 'Detour Test CA'): TestCa {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'detour-pki-'));
  openssl(
    ['req', '-x509', ...EC_KEY, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', `/CN=${commonName}`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'],
    dir,
  );
  let serial = 0;
  const read = (name: string) => fs.readFileSync(path.join(dir, name), 'utf8');
  return {
    dir,
    cert: read('ca.pem'),
    key: read('ca.key'),
    certFile: path.join(dir, 'ca.pem'),
    issue(names, ips = []) {
      const id = `leaf${++serial}`;
      const san = [...names.map((n) => `DNS:${n}`), ...ips.map((ip) => `IP:${ip}`)].join(',');
      fs.writeFileSync(
        path.join(dir, `${id}.ext`),
        `subjectAltName=${san}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\nkeyUsage=digitalSignature\n`,
      );
      openssl(['req', ...EC_KEY, '-keyout', `${id}.key`, '-out', `${id}.csr`, '-subj', `/CN=${names[0] ?? ips[0] ?? 'leaf'}`], dir);
      openssl(['x509', '-req', '-in', `${id}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-set_serial', String(1000 + serial),
        '-out', `${id}.pem`, '-days', '2', '-extfile', `${id}.ext`], dir);
      return { cert: read(`${id}.pem`), key: read(`${id}.key`), certFile: path.join(dir, `${id}.pem`) };
    },
    remove() {
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
