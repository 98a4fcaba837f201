/**
 * A page's title, by OONI's rule (probe-cli's measurexlite: `(?i)<title>([^<]{1,512})</title>`),
 * for the probes, the engine and the control service alike: the title decides OONI's `http-diff`, so
 * both sides of the comparison must read it the same way.
 *
 * Written out by hand rather than as a RegExp because the page is the network's: each `<title>` is
 * read once, up to the next `<`, so the time is linear in the page whatever it holds.
 */

export const MAX_TITLE_LENGTH = 512;

export function pageTitle(html: string | undefined): string | undefined {
  if (!html) return undefined;
  // A literal, case-insensitive: no backtracking. Indices stay those of `html` (toLowerCase() may
  // change a string's length).
  const open = /<title>/gi;
  while (open.exec(html)) {
    const start = open.lastIndex;
    const stop = html.indexOf('<', start);
    if (stop < 0) return undefined;
    const length = stop - start;
    if (length >= 1 && length <= MAX_TITLE_LENGTH && html.slice(stop, stop + 8).toLowerCase() === '</title>') {
      return html.slice(start, stop);
    }
    // No `<title>` can begin before the next '<'.
    open.lastIndex = stop;
  }
  return undefined;
}
