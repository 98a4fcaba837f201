/**
 * The advice proven (issue 9), in both Firefox builds: the ISP's resolver says the site does not
 * exist, Detour names DNS tampering and advises the browser's secure DNS; the user turns on Firefox's
 * DNS over HTTPS (its prefs, as Settings > Privacy & Security > DNS over HTTPS sets them, pointed at the
 * lab's encrypted resolver), presses "check again", and the verdict is `ok`. Chromium's secure DNS
 * cannot be switched while it runs, so it is not tested here. Inside scripts/in-lab-netns.sh.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDohServer, type DohServer } from '../lab/doh-server';
import { LAB_LOOPBACK } from '../lab/network';
import { SCENARIOS } from '../lab/scenarios';
import { launchDetour, SITE, startLabWithControl, visit, type LabWithControl, type Target } from './detour';

let world: LabWithControl;
/** The encrypted resolver Firefox is pointed at: HTTPS (as network.trr.uri requires), the honest zone. */
let secureDns: DohServer;

beforeAll(async () => {
  world = await startLabWithControl();
  const tls = await world.lab.pki.issue({ names: ['doh.lab.test'], ips: [LAB_LOOPBACK.doh] });
  secureDns = await startDohServer({ host: LAB_LOOPBACK.doh, zone: world.lab.honest, tls });
});
afterAll(async () => {
  await secureDns?.close();
  await world?.close();
});

const FIREFOX: Target[] = ['firefox-mv2', 'firefox-mv3'];

describe.each(FIREFOX)('%s', (target) => {
  it('turning on secure DNS as advised, then "check again", gives ok', async () => {
    const browser = await launchDetour(target, world.lab);
    try {
      const { state } = await visit(browser, world.lab, SCENARIOS['dns-nxdomain'], { verdict: true, timeoutMs: 20_000 });
      expect(state.verdict?.verdict).toMatchObject({ kind: 'censorship', method: 'dns' });
      const advice = await browser.inspect(`popup.html?host=${SITE}`, '[data-testid=way-around]');
      expect(advice.text).toContain('secure DNS');

      // What the user does: Firefox's DNS over HTTPS with "max protection" (encrypted DNS only).
      secureDns.queries.length = 0;
      await browser.setPrefs!({
        'network.trr.mode': 3,
        'network.trr.uri': secureDns.url,
        'network.trr.custom_uri': secureDns.url,
      });

      const checked = await browser.clickInExtension(`popup.html?host=${SITE}`, '[data-testid=check-again]', '[data-testid=verdict]', {
        ready: (d) => d.kind !== 'checking' && d.kind !== 'censorship',
        timeoutMs: 20_000,
      });
      expect(checked.data.kind).toBe('ok');
      // Firefox itself asked the encrypted resolver for the site: the advice is what made it work.
      expect(secureDns.queries).toContain(SITE);
    } finally {
      await browser.close();
    }
  });
});
