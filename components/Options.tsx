/** The options page: the catalog's providers, the user's own sites, and where Detour connects. */
import { Fragment } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { ask } from '../lib/ask';
import { messageKey, t } from '../lib/i18n';
import type { WatchedDomain } from '../lib/messages';
import type { Settings } from '../lib/settings';
import { STORAGE_KEYS } from '../lib/storage';
import { onStateChanged } from '../lib/watch-changes';
import { AddSiteForm } from './AddSiteForm';
import { CatalogStatus } from './CatalogStatus';
import { ReportsSection } from './ReportsSection';

function groupByProvider(domains: WatchedDomain[]): Array<{ name: string; domains: string[] }> {
  const groups = new Map<string, string[]>();
  for (const d of domains) {
    const name = d.provider?.name ?? d.domain;
    groups.set(name, [...(groups.get(name) ?? []), d.domain]);
  }
  return [...groups].map(([name, list]) => ({ name, domains: list }));
}

function Endpoints({ settings }: { settings: Settings }) {
  const rows: Array<[string, string[]]> = [
    [t('optionsEndpointDoh'), settings.dohResolvers],
    [t('optionsEndpointCanaries'), settings.canaries.map((c) => c.url)],
    [t('optionsEndpointControl'), settings.controlUrl ? [settings.controlUrl] : []],
    [t('optionsEndpointCatalog'), settings.catalogUpdateUrls],
    [t('optionsEndpointReports'), settings.reportUrls],
  ];
  return (
    <section>
      <h2>{t('optionsEndpointsTitle')}</h2>
      <p>{t('optionsEndpointsBody')}</p>
      <dl class="endpoints">
        {rows.map(([label, urls]) => (
          <Fragment key={label}>
            <dt>{label}</dt>
            <dd>{urls.length ? urls.map((u) => <code key={u}>{u}</code>) : t('optionsEndpointNone')}</dd>
          </Fragment>
        ))}
      </dl>
    </section>
  );
}

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

  const user = domains.filter((d) => d.origin === 'user');
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
        <ul class="catalog">
          {groupByProvider(domains.filter((d) => d.origin === 'catalog')).map((g) => (
            <li key={g.name}>
              <strong>{g.name}</strong> <span class="muted">{g.domains.join(', ')}</span>
            </li>
          ))}
        </ul>
      </section>
      {settings && <ReportsSection settings={settings} onDone={report} />}
      {settings && <Endpoints settings={settings} />}
      <section>
        <button type="button" class="secondary" onClick={() => void clear()}>
          {t('optionsClear')}
        </button>
      </section>
    </main>
  );
}
