/**
 * The whole censorship lab in one object: network (ISP and honest resolvers, firewall), PKI, DoH, and
 * the scenario's servers. e2e tests and the benchmark start one Lab per file and switch scenarios with
 * applyScenario() (scenarios.ts), which resets the lab and sets the next one up in well under a second.
 *
 *   const lab = await startLab();
 *   await applyScenario(lab, SCENARIOS['tls-sni-reset']);
 *   ...
 *   await lab.close();
 *
 * ## The two vantage points in one namespace
 * The browser and the control service share the namespace, so every censor here acts only on traffic
 * that does NOT come from LAB_IPS.controlSource: firewall rules skip it (network.ts) and censoring
 * connection handlers are wrapped with lab.censor(). Run the control service with labControlDial as its
 * dialler (server/src/app.ts `dial`), `dnsServers: ['127.0.0.54']` (the honest resolver) and
 * `extraCaFile: lab.pki.ca.certPath`; it then measures the honest lab internet, as a real control
 * outside the censored country would.
 */
import net from 'node:net';
import { startDohServer, type DohServer } from './doh-server';
import type { DnsServer } from './dns-server';
import { exceptFrom, listen, type Closable, type ConnectionHandler, type Listener } from './listener';
import { LAB_DOH_PORT, LAB_IPS, LAB_LOOPBACK, setUplink, startLabNetwork, type Firewall, type LabNetwork } from './network';
import { createLabPki, type KeyPair, type LabPki } from './pki';
import { httpHandler, httpsHandler, page } from './sites';

/**
 * The lab's names. The watched site is a real catalog provider's (mailbox.org, whose Russian block
 * in 2019-2020 Detour exists for), so the tests load the built extension exactly as shipped, with
 * its own host permissions: the lab's DNS and CA make the name resolve to lab servers inside the
 * namespace, where nothing can reach the real mailbox.org. Every other name is under `.test`,
 * reserved by RFC 6761.
 */
export const LAB_NAMES = {
  /** The watched mail site: mailbox.org's webmail, in the catalog. */
  site: 'login.mailbox.org',
  siteDomain: 'mailbox.org',
  /** The provider's other official names (catalog), probed as siblings. */
  siteAliases: ['mailbox.org', 'www.mailbox.org', 'kb.mailbox.org', 'secure.mailbox.org'],
  /**
   * A second catalog provider, Systemli, whose names are not on the browsers' HSTS preload list (every
   * other catalog provider's are): for it, and only for it, a plain-HTTP request to its own name
   * reaches whatever the network's DNS points at, such as an ISP block page.
   */
  plainSite: 'mail.systemli.org',
  /** A name Detour does not watch, for "nothing is recorded for other hosts". */
  unwatched: 'news.unwatched-lab.test',
  /** Canaries: unrelated to the mail provider, as detectportal.firefox.com is. */
  canaryA: 'canary.lab-canary-one.test',
  canaryB: 'check.lab-canary-two.test',
  /** The ISP's block-page host (its certificate is for this name, not the site's). */
  blockPage: 'blocked.isp-lab.test',
  /** The captive portal's login host. */
  portal: 'login.guest-wifi-lab.test',
} as const;

export const LAB_SITE_TITLE = 'Detour Lab Mail';

/**
 * The onion the lab's real site announces in its Onion-Location header: rend-spec's first v3 test
 * vector (a valid checksum), never dialled; the lab has no Tor.
 */
export const LAB_ANNOUNCED_ONION = 'pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion';

export const LAB_CANARIES = [
  { url: `http://${LAB_NAMES.canaryA}/canonical.html`, expect: 'success\n' },
  { url: `http://${LAB_NAMES.canaryB}/generate_204`, expect: '' },
] as const;

/** A Dialer for the control service (server/src/app.ts `dial`): connects from the control's vantage. */
export function labControlDial(target: { host: string; port: number }): net.Socket {
  return net.connect({ ...target, localAddress: LAB_IPS.controlSource });
}

export interface LabCerts {
  /**
   * The site's real certificate (lab root), for its names only: like a real mail provider's, it has no
   * IP entry, so a bare-IP handshake completes and then fails on the name.
   */
  site: KeyPair;
  /** The same names, signed by the untrusted interception CA. */
  intercepted: KeyPair;
  /** The ISP block-page server's own certificate (valid for LAB_NAMES.blockPage only). */
  blockPage: KeyPair;
  /** The captive portal's own certificate. */
  portal: KeyPair;
}

export interface Lab {
  network: LabNetwork;
  /** The ISP resolver (127.0.0.53:53): what the browser's system resolver asks. */
  isp: DnsServer;
  /** The honest resolver (127.0.0.54:53): what the site really resolves to. */
  honest: DnsServer;
  /** DoH on the honest zone: http://127.0.0.54:8053/dns-query. */
  doh: DohServer;
  firewall: Firewall;
  pki: LabPki;
  certs: LabCerts;
  /** Honest handlers for the watched site, to serve directly or behind a censor. */
  site: { https: ConnectionHandler; http: ConnectionHandler };
  /** Listens on ip:port until the next reset(). */
  listen(host: string, port: number, handler: ConnectionHandler): Promise<Listener>;
  /** Registers anything closable to be closed at the next reset(). */
  track<T extends Closable>(item: T): T;
  /** `handler` for the browser, `honest` for the control service's connections. */
  censor(handler: ConnectionHandler, honest: ConnectionHandler): ConnectionHandler;
  /** Empty lab: scenario servers closed (with their connections), zones cleared, firewall flushed, uplink up. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

export async function startLab(): Promise<Lab> {
  const network = await startLabNetwork();
  const pki = await createLabPki();
  const siteNames = [LAB_NAMES.site, LAB_NAMES.siteDomain, `*.${LAB_NAMES.siteDomain}`, LAB_NAMES.plainSite];
  const [site, intercepted, blockPage, portal] = await Promise.all([
    pki.issue({ names: siteNames }),
    pki.issue({ names: siteNames, issuer: 'interception' }),
    pki.issue({ names: [LAB_NAMES.blockPage] }),
    pki.issue({ names: [LAB_NAMES.portal] }),
  ]);
  const doh = await startDohServer({ host: LAB_LOOPBACK.doh, port: LAB_DOH_PORT, zone: network.honest });
  const sitePage = page({ title: LAB_SITE_TITLE, headers: { 'onion-location': `https://${LAB_ANNOUNCED_ONION}/` } });
  let open: Closable[] = [];

  const lab: Lab = {
    network,
    isp: network.isp,
    honest: network.honest,
    doh,
    firewall: network.firewall,
    pki,
    certs: { site, intercepted, blockPage, portal },
    site: { https: httpsHandler(site, sitePage), http: httpHandler(sitePage) },
    async listen(host, port, handler) {
      return lab.track(await listen(host, port, handler));
    },
    track(item) {
      open.push(item);
      return item;
    },
    censor: (handler, honest) => exceptFrom([LAB_IPS.controlSource], honest, handler),
    async reset() {
      const closing = open;
      open = [];
      await Promise.all(closing.map((item) => item.close()));
      network.isp.clear();
      network.honest.clear();
      network.isp.queries.length = 0;
      network.honest.queries.length = 0;
      doh.queries.length = 0;
      doh.stall = false;
      await network.firewall.flush();
      await setUplink('up');
    },
    async close() {
      await lab.reset();
      await doh.close();
      await network.close();
      await pki.dispose();
    },
  };
  return lab;
}
