import { describe, expect, it } from 'vitest';
import { MAX_TITLE_LENGTH, pageTitle } from '../../../engine/page-title';

describe('pageTitle: OONI\'s rule, <title>([^<]{1,512})</title>, case-insensitive', () => {
  it('reads the first complete title', () => {
    expect(pageTitle('<html><head><TITLE>Sign in</Title></head>')).toBe('Sign in');
    expect(pageTitle('<title></title><title>Second</title>')).toBe('Second');
    expect(pageTitle('<title>Доступ ограничен</title>')).toBe('Доступ ограничен');
    expect(pageTitle('<title>\n  Mail \n</title>')).toBe('\n  Mail \n');
  });

  it('finds none where OONI finds none', () => {
    expect(pageTitle(undefined)).toBeUndefined();
    expect(pageTitle('')).toBeUndefined();
    expect(pageTitle('<title lang="en">Attributes</title>')).toBeUndefined();
    expect(pageTitle('<title>Never closed')).toBeUndefined();
    expect(pageTitle('<title>Inner <b>tag</b></title>')).toBeUndefined();
    expect(pageTitle(`<title>${'x'.repeat(MAX_TITLE_LENGTH + 1)}</title>`)).toBeUndefined();
    expect(pageTitle(`<title>${'x'.repeat(MAX_TITLE_LENGTH)}</title>`)).toHaveLength(MAX_TITLE_LENGTH);
  });

  it('agrees with the regular expression it replaces', () => {
    const re = /<title>([^<]{1,512})<\/title>/i;
    const cases = ['<title>a</title>', '<TITLE><title>b</title>', '<title>İstanbul</TITLE>', 'x<title>y</titl', '<title><</title>', '<title>a</title >'];
    for (const html of cases) expect(pageTitle(html), html).toBe(re.exec(html)?.[1]);
  });

  it('is linear on hostile pages (64 KiB)', () => {
    const bodies = ['<title'.repeat(11000), '<title>'.repeat(9400), `<title>${'a'.repeat(65536)}`, '<title>a<'.repeat(7300), '<TiTlE>x</tItLe'.repeat(4400)];
    for (const body of bodies) {
      const start = performance.now();
      pageTitle(body);
      expect(performance.now() - start, body.slice(0, 20)).toBeLessThan(50);
    }
  });
});
