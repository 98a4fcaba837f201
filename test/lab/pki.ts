/**
 * The lab's certificates, made with the openssl CLI in a temp dir:
 *
 * - the lab root CA: the browsers in the lab trust it (see trustLabCa()), so a lab site with a leaf
 *   from it loads like any real HTTPS site;
 * - the interception CA: nobody trusts it; a "censor" that intercepts TLS presents leaves from it, and
 *   the browser must answer with an unknown-issuer error (ERR_CERT_AUTHORITY_INVALID /
 *   SEC_ERROR_UNKNOWN_ISSUER), as it does for a national or corporate MITM CA.
 *
 *   const pki = await createLabPki();
 *   const site = await pki.issue({ names: ['mail.detour-lab.test'], ips: ['11.66.0.10'] });
 *   https.createServer({ cert: site.cert, key: site.key }, ...)
 *   await pki.trustInNssDb(`${home}/.pki/nssdb`);   // Chromium
 *   await pki.trustInNssDb(firefoxProfileDir);      // Firefox (cert9.db in the profile)
 *
 * EC P-256 keys: generating them takes milliseconds, so a lab run makes its own CA and never ships keys.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface KeyPair {
  /** PEM certificate (leaf only; the lab CAs are roots, so no chain is needed). */
  cert: string;
  /** PEM private key. */
  key: string;
  certPath: string;
  keyPath: string;
}

export interface LeafRequest {
  /** DNS names for the subjectAltName; the first is also the subject CN. */
  names?: string[];
  /** IP addresses for the subjectAltName (a bare-IP handshake then validates too). */
  ips?: string[];
  /** Sign with the untrusted interception CA instead of the lab root. */
  issuer?: 'lab' | 'interception';
}

export interface LabPki {
  dir: string;
  /** The trusted lab root. */
  ca: KeyPair;
  /** A root no browser trusts, for TLS-interception scenarios. */
  interceptionCa: KeyPair;
  /** A leaf for the names and IPs, cached per request, so asking twice is free. */
  issue(request: LeafRequest): Promise<KeyPair>;
  /**
   * Adds the lab root as a trusted TLS anchor to an NSS database directory (created if missing):
   * `$HOME/.pki/nssdb` for Chromium, the profile directory for Firefox (its cert9.db/key4.db).
   */
  trustInNssDb(dbDir: string): Promise<void>;
  /** Deletes the temp dir. */
  dispose(): Promise<void>;
}

/** The nickname of the lab root in NSS databases. */
export const LAB_CA_NICKNAME = 'detour-lab';

async function openssl(args: string[], cwd: string): Promise<void> {
  await run('openssl', args, { cwd });
}

async function makeRoot(dir: string, stem: string, cn: string): Promise<KeyPair> {
  const keyPath = path.join(dir, `${stem}.key`);
  const certPath = path.join(dir, `${stem}.pem`);
  await openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', keyPath], dir);
  await openssl(
    [
      'req', '-x509', '-new', '-key', keyPath, '-out', certPath, '-days', '30', '-sha256',
      '-subj', `/O=Detour Lab/CN=${cn}`,
      '-addext', 'basicConstraints=critical,CA:TRUE',
      '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
      '-addext', 'subjectKeyIdentifier=hash',
    ],
    dir,
  );
  return { cert: await fs.readFile(certPath, 'utf8'), key: await fs.readFile(keyPath, 'utf8'), certPath, keyPath };
}

export async function createLabPki(options: { dir?: string } = {}): Promise<LabPki> {
  const dir = options.dir ?? (await fs.mkdtemp(path.join(os.tmpdir(), 'detour-pki-')));
  const [ca, interceptionCa] = await Promise.all([
    makeRoot(dir, 'lab-ca', 'Detour Lab Root CA'),
    // A name that reads like a real national interception root, so screenshots and logs are realistic.
    makeRoot(dir, 'interception-ca', 'Lab National Security Certificate'),
  ]);
  const cache = new Map<string, Promise<KeyPair>>();
  let serial = 1;

  async function makeLeaf(request: LeafRequest, stem: string): Promise<KeyPair> {
    const names = request.names ?? [];
    const ips = request.ips ?? [];
    if (names.length === 0 && ips.length === 0) throw new Error('pki.issue: give at least one name or IP');
    const issuer = request.issuer === 'interception' ? interceptionCa : ca;
    const keyPath = path.join(dir, `${stem}.key`);
    const csrPath = path.join(dir, `${stem}.csr`);
    const certPath = path.join(dir, `${stem}.pem`);
    const extPath = path.join(dir, `${stem}.ext`);
    const san = [...names.map((n) => `DNS:${n}`), ...ips.map((ip) => `IP:${ip}`)].join(',');
    await fs.writeFile(
      extPath,
      [
        `subjectAltName=${san}`,
        'basicConstraints=critical,CA:FALSE',
        'keyUsage=critical,digitalSignature',
        'extendedKeyUsage=serverAuth',
        'authorityKeyIdentifier=keyid',
      ].join('\n') + '\n',
    );
    await openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', keyPath], dir);
    await openssl(['req', '-new', '-key', keyPath, '-out', csrPath, '-subj', `/CN=${names[0] ?? ips[0]}`], dir);
    await openssl(
      [
        'x509', '-req', '-in', csrPath, '-CA', issuer.certPath, '-CAkey', issuer.keyPath,
        '-set_serial', String(Date.now() * 1000 + serial++), '-days', '30', '-sha256',
        '-extfile', extPath, '-out', certPath,
      ],
      dir,
    );
    return { cert: await fs.readFile(certPath, 'utf8'), key: await fs.readFile(keyPath, 'utf8'), certPath, keyPath };
  }

  return {
    dir,
    ca,
    interceptionCa,
    issue(request) {
      const cacheKey = JSON.stringify([request.issuer ?? 'lab', [...(request.names ?? [])].sort(), [...(request.ips ?? [])].sort()]);
      let leaf = cache.get(cacheKey);
      if (!leaf) {
        leaf = makeLeaf(request, `leaf-${cache.size + 1}`);
        cache.set(cacheKey, leaf);
      }
      return leaf;
    },
    async trustInNssDb(dbDir) {
      await fs.mkdir(dbDir, { recursive: true });
      const db = `sql:${dbDir}`;
      try {
        await fs.access(path.join(dbDir, 'cert9.db'));
      } catch {
        await run('certutil', ['-N', '-d', db, '--empty-password']);
      }
      // C,, = trusted CA for TLS servers only (not for mail or code signing).
      await run('certutil', ['-A', '-d', db, '-t', 'C,,', '-n', LAB_CA_NICKNAME, '-i', ca.certPath]);
    },
    async dispose() {
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}
