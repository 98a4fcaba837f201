/**
 * DETOUR_DATABASE_URL's forms, apart from the drivers so config.ts can check a URL without loading
 * them: `sqlite:PATH` (`sqlite::memory:` in tests) or `postgres://…` / `postgresql://…` (anything
 * `pg` takes, e.g. `postgres://detour@localhost/detour?host=/run/postgresql` for a socket).
 */

/** True for a URL openStore accepts (config.ts checks it at startup). */
export function isDatabaseUrl(url: string): boolean {
  if (/^sqlite:./.test(url)) return true;
  if (!/^postgres(?:ql)?:\/\/./.test(url)) return false;
  try {
    new URL(url);
    return true;
  } catch {
    return false;
  }
}

/** The URL without its password, for the log. */
export function describeDatabaseUrl(url: string): string {
  if (url.startsWith('sqlite:')) return url;
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://…';
  }
}
