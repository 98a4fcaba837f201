/**
 * First run: "which mail do you use?" The user picks providers from the catalog (or adds a site), and
 * the browser asks once for access to exactly those providers' domains; Detour watches what was
 * granted and nothing else. "Watch every provider" is one click, and one prompt.
 */
import { useEffect, useState } from 'preact/hooks';
import { providers } from '../catalog/catalog';
import { ask } from '../lib/ask';
import { t } from '../lib/i18n';
import { canaryOrigins, requestProviders } from '../lib/provider-access';
import { AddSiteForm } from './AddSiteForm';

/** Providers with something to watch (a provider kept only for its history has no domain). */
const PROVIDERS = providers.filter((p) => p.domains.length > 0);

function matches(provider: (typeof PROVIDERS)[number], query: string): boolean {
  const q = query.trim().toLowerCase();
  return q === '' || provider.name.toLowerCase().includes(q) || provider.domains.some((d) => d.includes(q));
}

export function Welcome() {
  const [query, setQuery] = useState('');
  // `?choose=posteo,tuta` (links from Detour's own pages): those already ticked.
  const [chosen, setChosen] = useState<Set<string>>(() => {
    const asked = (new URLSearchParams(location.search).get('choose') ?? '').split(',');
    return new Set(PROVIDERS.filter((p) => asked.includes(p.id)).map((p) => p.id));
  });
  const [watched, setWatched] = useState<Set<string>>(new Set());
  const [status, setStatus] = useState<{ message: string; ok: boolean }>();
  const [canaries, setCanaries] = useState<string[]>([]);

  const refresh = async () => {
    const { domains } = await ask({ type: 'watch-refresh' });
    setWatched(new Set(domains.flatMap((d) => (d.provider ? [d.provider.id] : []))));
    return domains;
  };
  useEffect(() => {
    void refresh();
    void ask({ type: 'get-settings' }).then(({ settings }) => setCanaries(canaryOrigins(settings)));
  }, []);

  const grant = (ids: string[]) => {
    if (ids.length === 0) return setStatus({ message: t('welcomeNoneChosen'), ok: false });
    // Asked inside the click: the prompt needs the user's gesture (lib/provider-access.ts).
    const request = requestProviders(ids, canaries);
    void (async () => {
      const granted = await request.catch(() => false);
      await refresh();
      if (!granted) return setStatus({ message: t('optionsError_permission_not_granted'), ok: false });
      const names = PROVIDERS.filter((p) => ids.includes(p.id)).map((p) => p.name);
      setChosen(new Set());
      setStatus({ message: t('welcomeDone', [names.join(', ')]), ok: true });
    })();
  };

  const toggle = (id: string) => {
    const next = new Set(chosen);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setChosen(next);
  };

  const shown = PROVIDERS.filter((p) => matches(p, query));
  return (
    <main class="options welcome" data-testid="welcome">
      <h1>{t('welcomeTitle')}</h1>
      <p>{t('welcomeBody')}</p>
      {status && (
        <p class={status.ok ? 'status ok' : 'status error'} role="status" data-testid="status">
          {status.message}
        </p>
      )}
      <div class="row">
        <button type="button" data-testid="watch-chosen" onClick={() => grant([...chosen])}>
          {t('welcomeWatchChosen')}
        </button>
        <button type="button" class="secondary" data-testid="watch-all" onClick={() => grant(PROVIDERS.map((p) => p.id))}>
          {t('welcomeWatchAll')}
        </button>
      </div>
      <label for="welcome-search">{t('welcomeSearch')}</label>
      <input id="welcome-search" type="search" autoComplete="off" spellcheck={false} value={query} onInput={(e) => setQuery((e.target as HTMLInputElement).value)} />
      <ul class="providers" data-testid="providers">
        {shown.map((p) => (
          <li key={p.id} data-id={p.id} data-watched={String(watched.has(p.id))}>
            <label>
              <input type="checkbox" checked={watched.has(p.id) || chosen.has(p.id)} disabled={watched.has(p.id)} onChange={() => toggle(p.id)} />{' '}
              <strong>{p.name}</strong> <span class="muted">{p.domains.slice(0, 3).join(', ')}</span>
              {watched.has(p.id) && <span class="badge"> · {t('welcomeWatched')}</span>}
            </label>
          </li>
        ))}
      </ul>
      {shown.length === 0 && <p class="muted">{t('welcomeNoMatch')}</p>}
      <h2>{t('welcomeOther')}</h2>
      <AddSiteForm initial="" onDone={(message, ok) => void refresh().then(() => setStatus({ message, ok }))} />
      <p>
        <a href="/options.html">{t('popupSettings')}</a>
      </p>
    </main>
  );
}
