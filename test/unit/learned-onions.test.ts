import { describe, expect, it } from 'vitest';
import { learnFromResponse, type OnionLocationDeps } from '../../lib/learn-onion-location';
import { LEARNED_LIMITS, LearnedOnionStore, onionKey, parseLearnedOnions } from '../../lib/learned-onions';
import { STORAGE_KEYS } from '../../lib/storage';
import { memoryStorage } from './fakes';

// Test vectors of rend-spec v3 (valid checksums).
const ONION_A = 'pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion';
const ONION_B = 'sp3k262uwy4r2k3ycr5awluarykdpag6a7y33jxop4cs2lu5uz5sseqd.onion';
const ONION_C = 'xa4r2iadxm55fbnqgwwi5mymqdcofiu3w6rpbtqn7b2dyn7mgwj64jyd.onion';
// ONION_A with its last character changed: no longer version 3, refused by shape alone.
const NOT_V3 = 'pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscrya.onion';


function deps(store: LearnedOnionStore, overrides: Partial<OnionLocationDeps> = {}): OnionLocationDeps {
  return { store, isWatched: (h) => h.endsWith('mailbox.org'), certificateDoubt: () => false, now: () => 1_700_000_000_000, ...overrides };
}

const response = (header: string | string[], extra: { url?: string; type?: string; frameId?: number } = {}) => ({
  url: extra.url ?? 'https://login.mailbox.org/',
  type: extra.type ?? 'main_frame',
  frameId: extra.frameId ?? 0,
  responseHeaders: [{ name: 'Content-Type', value: 'text/html' }, ...[header].flat().map((value) => ({ name: 'Onion-Location', value }))],
});

describe('learning Onion-Location from a working site', () => {
  it('remembers the first announcement of a top-level HTTPS page of a watched site, under its provider', async () => {
    const storage = memoryStorage();
    const store = new LearnedOnionStore(storage);
    await learnFromResponse(response(`https://${ONION_A}/login`), deps(store));
    expect(store.forKey('mailbox_org')).toEqual([{ url: `https://${ONION_A}/login`, announcedAt: 1_700_000_000_000, pageOrigin: 'https://login.mailbox.org' }]);
    expect(onionKey('login.mailbox.org')).toBe('mailbox_org');
    // Persisted, and read back through the same check.
    const again = new LearnedOnionStore(storage);
    await again.ready;
    expect(again.forKey('mailbox_org')).toHaveLength(1);
  });

  it.each([
    ['a frame', response(`https://${ONION_A}/`, { type: 'sub_frame', frameId: 3 })],
    ['a plain-HTTP page', response(`https://${ONION_A}/`, { url: 'http://login.mailbox.org/' })],
    ['a site Detour does not watch', response(`https://${ONION_A}/`, { url: 'https://news.example.com/' })],
    ['an address that is not version 3', response(`https://${NOT_V3}/`)],
    ['a v2 address', response('https://expyuzz4wqqyqhjn.onion/')],
    ['a second header when the first is bad', response(['chrome://restart', `https://${ONION_A}/`])],
    ['no header', { url: 'https://login.mailbox.org/', type: 'main_frame', responseHeaders: [] }],
  ])('ignores %s', async (_what, details) => {
    const store = new LearnedOnionStore(memoryStorage());
    await learnFromResponse(details, deps(store));
    expect(store.forKey('mailbox_org')).toEqual([]);
  });

  it('learns nothing from a host with a certificate problem in the log: its headers may be an interceptor\'s', async () => {
    const store = new LearnedOnionStore(memoryStorage());
    await learnFromResponse(response(`https://${ONION_A}/`), deps(store, { certificateDoubt: () => true }));
    expect(store.forKey('mailbox_org')).toEqual([]);
  });

  it('keeps a few per provider, newest first, the same address refreshed rather than repeated, and clears', async () => {
    const storage = memoryStorage();
    const store = new LearnedOnionStore(storage);
    let now = 1;
    const d = deps(store, { now: () => now++ });
    for (const onion of [ONION_A, ONION_B, ONION_C, ONION_A]) await learnFromResponse(response(`https://${onion}/`), d);
    expect(store.forKey('mailbox_org').map((e) => e.url)).toEqual([`https://${ONION_A}/`, `https://${ONION_C}/`, `https://${ONION_B}/`]);
    expect(store.forKey('mailbox_org')).toHaveLength(LEARNED_LIMITS.perProvider);
    await store.clear();
    expect(store.forKey('mailbox_org')).toEqual([]);
    expect(storage.data[STORAGE_KEYS.learnedOnions]).toEqual({});
  });

  it('holds stored announcements to the writer\'s rules when read back', () => {
    const good = { url: `https://${ONION_A}/`, announcedAt: 5, pageOrigin: 'https://login.mailbox.org' };
    const { onions, dropped } = parseLearnedOnions({
      mailbox_org: [
        good,
        { ...good, url: `https://${NOT_V3}/` },
        { ...good, url: `https://user:pw@${ONION_B}/` },
        { ...good, url: `javascript://${ONION_B}/` },
      ],
      'BAD KEY': [good],
      tuta: 'not a list',
      posteo: [{ ...good, announcedAt: 'yesterday' }, { ...good, pageOrigin: 'http://posteo.de' }, { ...good, url: 'x'.repeat(10_000) }],
    });
    expect(onions).toEqual({ mailbox_org: [good] });
    expect(dropped).toBeGreaterThanOrEqual(5);
    expect(parseLearnedOnions('garbage').onions).toEqual({});
  });

  it('never keeps more than the total cap, dropping the oldest', async () => {
    const raw: Record<string, unknown> = {};
    for (let i = 0; i < 30; i++) raw[`p${i}`] = [ONION_A, ONION_B].map((o, j) => ({ url: `https://${o}/`, announcedAt: i * 10 + j + 1, pageOrigin: 'https://a.example' }));
    const { onions } = parseLearnedOnions(raw);
    const all = Object.values(onions).flat();
    expect(all).toHaveLength(LEARNED_LIMITS.total);
    // Providers p10..p29 hold the 40 newest (announced at 101 and later).
    expect(Math.min(...all.map((e) => e.announcedAt))).toBe(101);
  });
});
