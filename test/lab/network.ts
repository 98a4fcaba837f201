/**
 * The lab's network: addresses on `lo`, the ISP resolver every browser in the namespace uses, and a
 * firewall to drop or reject traffic to lab addresses. Only valid inside the lab's network namespace
 * (scripts/in-lab-netns.sh), where loopback is the only interface and there is no route anywhere else.
 *
 * ## Address plan
 * The engine treats bogon DNS answers (RFC 1918, 127/8, TEST-NETs, ...) as censorship evidence, and the
 * control service refuses to measure bogons, so the lab's "internet" sites need public-looking addresses.
 * They come from 11.0.0.0/8, a US Department of Defense block that no mail provider (nor any provider in
 * catalog/providers.json) uses. Binding them to `lo` is safe: this happens only inside the lab namespace,
 * whose only interface is loopback and which has no default route, so a packet to 11.66.0.x is delivered
 * locally or not at all. Nothing can leave the machine. Helpers that the extension reaches by URL (DoH,
 * the control service, proxies) live on 127.0.0.0/8, which needs no `ip addr add`.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startDnsServer, type DnsServer } from './dns-server';

const run = promisify(execFile);

/** Public-looking addresses bound to `lo` inside the namespace: the lab's "internet". */
export const LAB_IPS = {
  /** The watched mail site's real address: what the honest resolver, DoH and the control say. */
  site: '11.66.0.10',
  /** An ISP's block-page server, the target of DNS-based blocking with a block page. */
  // Another /24 than the site's: the engine reads an answer next to the real address as a CDN's.
  blockPage: '11.66.20.20',
  /** A captive portal's gateway, which every name resolves to while the portal holds the user. */
  portal: '11.66.0.30',
  /** The two canary sites (unrelated to the mail provider). */
  canaryA: '11.66.0.41',
  canaryB: '11.66.0.42',
  /**
   * The control service's vantage: the source address it must bind its outgoing connections to
   * (`localAddress`). Censors in the lab never touch traffic from it (firewall exemption and
   * listener.exceptFrom), so the control sees the honest internet from inside the same namespace.
   */
  controlSource: '11.66.0.250',
} as const;

/**
 * A sinkhole answer of the Iranian kind (10.10.34.35; in data/blocking-fingerprints/fingerprints_dns.csv
 * as ooni.ir_5). A bogon, deliberately; also bound to `lo` so that connecting to it fails like the real
 * one (nothing on 443, an iframe block page on 80) instead of with "network unreachable".
 */
export const LAB_SINKHOLE_IP = '10.10.34.35';

/** Loopback helpers, reached by IP (no DNS involved), never censored by the firewall unless a scenario says so. */
export const LAB_LOOPBACK = {
  /** The ISP resolver: /etc/resolv.conf in the namespace points here (port 53, UDP and TCP). */
  ispResolver: '127.0.0.53',
  /** The honest resolver (port 53) and, on port 8053, the DoH server that answers from the same zone. */
  honestResolver: '127.0.0.54',
  doh: '127.0.0.54',
  /** Where the control service should listen in the lab. */
  control: '127.0.0.61',
  /** Broken proxies. */
  proxy: '127.0.0.62',
  /** Where the end-to-end tests serve signed catalog updates (test/e2e/catalog-update.test.ts). */
  catalogUpdates: '127.0.0.63',
} as const;

export const LAB_DOH_PORT = 8053;

export function assertInLabNetns(): void {
  if (process.env.DETOUR_LAB_NETNS !== '1') {
    throw new Error(
      'The censorship lab must run inside its network namespace (it binds public-looking addresses and ' +
        'port 53, and rewrites the firewall). Run through scripts/in-lab-netns.sh, e.g. ' +
        '`npm run test:e2e -- test/e2e/lab-` or `bash scripts/in-lab-netns.sh npx vitest run --project e2e`.',
    );
  }
}

/**
 * The user's LAN link: a veth pair with both ends in the namespace (there is no dummy-interface module
 * on these kernels). Without a non-loopback link that is up, Chromium decides the machine is offline and
 * reports every DNS failure as net::ERR_INTERNET_DISCONNECTED instead of ERR_NAME_NOT_RESOLVED. No
 * default route is added: a stray connection to a non-lab public address fails at once with "network
 * unreachable", and the veth's far end is in the same namespace anyway, so nothing can leave.
 */
export const LAB_UPLINK = { device: 'detour-lan', peer: 'detour-gw', address: '192.168.77.2', gateway: '192.168.77.1' } as const;

export async function ensureUplink(): Promise<void> {
  assertInLabNetns();
  const { stdout } = await run('ip', ['-o', 'link', 'show']);
  if (!stdout.includes(`${LAB_UPLINK.device}@`)) {
    await run('ip', ['link', 'add', LAB_UPLINK.device, 'type', 'veth', 'peer', 'name', LAB_UPLINK.peer]);
    await run('ip', ['addr', 'add', `${LAB_UPLINK.address}/24`, 'dev', LAB_UPLINK.device]);
    await run('ip', ['addr', 'add', `${LAB_UPLINK.gateway}/24`, 'dev', LAB_UPLINK.peer]);
  }
  await setUplink('up');
}

/** Takes the LAN link down (the browser then knows it is offline: the `offline` scenario) or up again. */
export async function setUplink(state: 'up' | 'down'): Promise<void> {
  await run('ip', ['link', 'set', LAB_UPLINK.peer, state]);
  await run('ip', ['link', 'set', LAB_UPLINK.device, state]);
}

/** Adds the addresses to `lo` (idempotent) and brings `lo` up. */
export async function addLoopbackAddresses(addresses: readonly string[]): Promise<void> {
  assertInLabNetns();
  await run('ip', ['link', 'set', 'lo', 'up']);
  const { stdout } = await run('ip', ['-4', '-o', 'addr', 'show', 'dev', 'lo']);
  for (const address of addresses) {
    if (stdout.includes(` ${address}/`)) continue;
    await run('ip', ['addr', 'add', `${address}/32`, 'dev', 'lo']);
  }
}

// --- Firewall -----------------------------------------------------------------------------------------

export interface FirewallRule {
  /** Destination address. */
  dst: string;
  /** Destination port; all ports when absent. */
  port?: number;
  /** Default tcp. */
  proto?: 'tcp' | 'udp' | 'all';
  /**
   * - `drop-syn`: new TCP connections vanish (IP blackhole: connect times out; established ones live on);
   * - `drop`: every packet vanishes (a resolver that never answers);
   * - `reset`: TCP RST to the SYN (connection refused, as from a closed port);
   * - `unreachable`: ICMP host unreachable (a router with no route: EHOSTUNREACH at once).
   */
  action: 'drop-syn' | 'drop' | 'reset' | 'unreachable';
}

export interface Firewall {
  /** Adds a rule; returns a function that removes exactly that rule. */
  add(rule: FirewallRule): Promise<() => Promise<void>>;
  /** Adds several rules in one iptables-restore call (a scenario switch stays fast on a busy machine). */
  addAll(rules: readonly FirewallRule[]): Promise<void>;
  /** Removes every lab rule (the exemptions stay). */
  flush(): Promise<void>;
  /** The current rules as iptables prints them, for debugging. */
  list(): Promise<string>;
}

const CHAIN = 'DETOUR_LAB';

function ruleSpec(rule: FirewallRule): string[] {
  const proto = rule.action === 'drop-syn' || rule.action === 'reset' ? 'tcp' : (rule.proto ?? 'tcp');
  const args = ['-d', rule.dst];
  if (proto !== 'all') args.push('-p', proto);
  if (rule.port !== undefined) {
    if (proto === 'all') throw new Error('firewall: a port needs proto tcp or udp');
    args.push('--dport', String(rule.port));
  }
  switch (rule.action) {
    case 'drop-syn':
      return [...args, '--syn', '-j', 'DROP'];
    case 'drop':
      return [...args, '-j', 'DROP'];
    case 'reset':
      return [...args, '-j', 'REJECT', '--reject-with', 'tcp-reset'];
    case 'unreachable':
      return [...args, '-j', 'REJECT', '--reject-with', 'icmp-host-unreachable'];
  }
}

/** Feeds `lines` (iptables-restore syntax, filter table) to one `iptables-restore --noflush`. */
function iptablesRestore(lines: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile('iptables-restore', ['-w', '--noflush'], (error) => (error ? reject(error) : resolve()));
    child.stdin?.end(['*filter', ...lines, 'COMMIT', ''].join('\n'));
  });
}

/**
 * iptables rules in a chain of their own, hooked into INPUT. INPUT, not OUTPUT: on loopback every packet
 * passes both, and a DROP in OUTPUT makes the sender's own kernel fail the send with EPERM at once,
 * which is nothing like a censor's silence. A DROP in INPUT is a real blackhole.
 */
export async function createFirewall(options: { exempt?: readonly string[] } = {}): Promise<Firewall> {
  assertInLabNetns();
  const exempt = options.exempt ?? [LAB_IPS.controlSource];
  // iptables takes a lock; run our calls one at a time so parallel setup never trips over it.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(task: () => Promise<T>): Promise<T> => {
    const next = queue.then(task);
    queue = next.catch(() => {});
    return next;
  };
  const iptables = (args: string[]) => serial(() => run('iptables', ['-w', ...args]));
  const restore = (lines: string[]) => serial(() => iptablesRestore(lines));
  const prelude = [
    `-F ${CHAIN}`,
    ...exempt.map((source) => `-A ${CHAIN} -s ${source} -j RETURN`),
    // The answers our own REJECT rules send (ICMP errors, RSTs) travel back over loopback to an address
    // that is often the blocked one itself (a connection to a lo address comes from that address), so
    // without these two lines a rule would swallow its own answer and "reject" would become "drop".
    `-A ${CHAIN} -p icmp -j RETURN`,
    `-A ${CHAIN} -p tcp --tcp-flags RST RST -j RETURN`,
  ];

  const chains = await iptables(['-S']);
  if (!chains.stdout.includes(`-N ${CHAIN}`)) await iptables(['-N', CHAIN]);
  if (!chains.stdout.includes(`-A INPUT -j ${CHAIN}`)) await iptables(['-I', 'INPUT', '-j', CHAIN]);
  await restore(prelude);

  return {
    async add(rule) {
      const args = ruleSpec(rule);
      await iptables(['-A', CHAIN, ...args]);
      let removed = false;
      return async () => {
        if (removed) return;
        removed = true;
        await iptables(['-D', CHAIN, ...args]).catch(() => {}); // already flushed
      };
    },
    async addAll(rules) {
      if (rules.length) await restore(rules.map((rule) => [`-A ${CHAIN}`, ...ruleSpec(rule)].join(' ')));
    },
    async flush() {
      await restore(prelude);
    },
    async list() {
      return (await iptables(['-S', CHAIN])).stdout;
    },
  };
}

// --- The network as a whole ---------------------------------------------------------------------------

export interface LabNetwork {
  /** The ISP resolver at 127.0.0.53:53: the system resolver of every process in the namespace. */
  isp: DnsServer;
  /** The honest resolver at 127.0.0.54:53 (what the site really resolves to; the control may use it). */
  honest: DnsServer;
  firewall: Firewall;
  close(): Promise<void>;
}

/** Every address the lab binds to `lo`. */
export const LAB_BOUND_ADDRESSES: readonly string[] = [...Object.values(LAB_IPS), LAB_SINKHOLE_IP];

export async function startLabNetwork(): Promise<LabNetwork> {
  assertInLabNetns();
  await addLoopbackAddresses(LAB_BOUND_ADDRESSES);
  await ensureUplink();
  const firewall = await createFirewall();
  const isp = await startDnsServer({ host: LAB_LOOPBACK.ispResolver, port: 53 });
  const honest = await startDnsServer({ host: LAB_LOOPBACK.honestResolver, port: 53 });
  return {
    isp,
    honest,
    firewall,
    async close() {
      await firewall.flush();
      await setUplink('up');
      await Promise.all([isp.close(), honest.close()]);
    },
  };
}
