/** The options page: the catalog's providers, the user's own sites, and where Detour connects (editable). */
import { useCallback, useEffect, useState } from 'preact/hooks';
import { ask } from '../lib/ask';
import { messageKey, t } from '../lib/i18n';
import type { WatchedDomain } from '../lib/messages';
import type { Settings } from '../lib/settings';
import { STORAGE_KEYS } from '../lib/storage';
import { onStateChanged } from '../lib/watch-changes';
import { AddSiteForm } from './AddSiteForm';
import { providers } from '../catalog/catalog';
import { canaryOrigins, releaseProvider, requestProviders } from '../lib/provider-access';
import { CatalogStatus } from './CatalogStatus';
import { ReportsSection } from './ReportsSection';
import { SettingsEditor } from './SettingsEditor';

/** Providers with something to watch (a provider kept only for its history has no domain). */
const PROVIDERS = providers.filter((p) => p.domains.length > 0);

export function Options() {
  const [domains, setDomains] = useState<WatchedDomain[]>([]);
  const [settings, setSettings] = useState<Settings>();
  const [status, setStatus] = useState<{ message: string; ok: boolean }>();
  const initialAdd = new URLSearchParams(location.search).get('add') ?? '';

  const reload = useCallback(async () => {
    const [list, current] = await Promise.all([ask({ type: 'get-watch-list' }), ask({ type: 'get-settings' })]);
    setDomains(list.domains);
    setSettings(current.settings);
  }, []);

  // Another options tab may change the list or the settings while this one is open. The failure log
  // is not shown here, and a burst of failures must not reload it.
  useEffect(() => {
    void reload();
    return onStateChanged(() => void reload(), { keys: [STORAGE_KEYS.userDomains, STORAGE_KEYS.settings] });
  }, [reload]);

  const report = (message: string, ok: boolean) => {
    setStatus({ message, ok });
    void reload();
  };

  const remove = async (domain: string) => {
    const result = await ask({ type: 'watch-remove', domain });
    if ('error' in result) report(t(messageKey('optionsError', result.error)), false);
    else report(t('optionsRemoved', [result.domain]), true);
  };

  const clear = async () => {
    await ask({ type: 'clear-failures' });
    report(t('optionsCleared'), true);
  };

  // Inside the click: the prompt needs the user's gesture (lib/provider-access.ts).
  const setWatching = (id: string, name: string, on: boolean) => {
    const change = on ? requestProviders([id], settings ? canaryOrigins(settings) : []) : releaseProvider(id);
    void (async () => {
      const done = await change.catch(() => false);
      await ask({ type: 'watch-refresh' });
      if (on) report(done ? t('optionsAdded', [name]) : t('optionsError_permission_not_granted'), done);
      else report(t('optionsRemoved', [name]), true);
    })();
  };

  const user = domains.filter((d) => d.origin === 'user');
  const watchedProviders = new Set(domains.flatMap((d) => (d.origin === 'catalog' && d.provider ? [d.provider.id] : [])));
  return (
    <main class="options">
      <h1>{t('optionsTitle')}</h1>
      {status && (
        <p class={status.ok ? 'status ok' : 'status error'} role="status" data-testid="status">
          {status.message}
        </p>
      )}
      <section>
        <h2>{t('optionsUserTitle')}</h2>
        {user.length === 0 ? (
          <p class="muted">{t('optionsUserEmpty')}</p>
        ) : (
          <ul class="user-domains" data-testid="user-domains">
            {user.map((d) => (
              <li key={d.domain}>
                <span>{d.domain}</span>
                <button type="button" class="secondary" onClick={() => void remove(d.domain)}>
                  {t('optionsRemove')}
                </button>
              </li>
            ))}
          </ul>
        )}
        <AddSiteForm initial={initialAdd} onDone={report} />
      </section>
      <section>
        <h2>{t('optionsCatalogTitle')}</h2>
        <p>{t('optionsCatalogBody')}</p>
        <CatalogStatus />
        <p>
          <a href="/welcome.html">{t('optionsChooseProviders')}</a>
        </p>
        <ul class="catalog" data-testid="catalog">
          {PROVIDERS.map((p) => {
            const on = watchedProviders.has(p.id);
            return (
              <li key={p.id} data-id={p.id} data-watched={String(on)}>
                <strong>{p.name}</strong> <span class="muted">{p.domains.join(', ')}</span>
                <button type="button" class="secondary" onClick={() => setWatching(p.id, p.name, !on)}>
                  {on ? t('optionsStopWatching') : t('optionsWatch')}
                </button>
              </li>
            );
          })}
        </ul>
      </section>
      {settings && <ReportsSection settings={settings} onDone={report} />}
      {settings && <SettingsEditor settings={settings} />}
      <section>
        <button type="button" class="secondary" onClick={() => void clear()}>
          {t('optionsClear')}
        </button>
      </section>
    </main>
  );
}
