/**
 * The popup: what happened on the current tab, then recent problems of every watched provider.
 * It asks the background (lib/messages.ts) and refreshes while open, so a failure that happens while
 * it is showing appears without reopening it.
 */
import { useCallback, useEffect, useState } from 'preact/hooks';
import { browser } from 'wxt/browser';
import { ask } from '../lib/ask';
import { hostOf } from '../lib/hosts';
import { t } from '../lib/i18n';
import type { HostState } from '../lib/messages';
import { CurrentSite, type Current } from './CurrentSite';
import { RecentProblems } from './RecentProblems';

const REFRESH_MS = 1500;

/** The host the popup is about: `?host=` (links from Detour's own pages, tests), else the active tab's. */
async function currentHost(): Promise<string | undefined> {
  const requested = new URLSearchParams(location.search).get('host');
  if (requested) return requested;
  const [tab] = await browser.tabs.query({ active: true, currentWindow: true });
  return hostOf(tab?.url);
}

async function loadCurrent(host: string | undefined): Promise<Current> {
  if (!host) return { kind: 'not-watched' };
  const state = await ask({ type: 'get-state', host });
  return state.watched ? { kind: 'watched', state } : { kind: 'not-watched', host };
}

export function Popup() {
  const [current, setCurrent] = useState<Current>({ kind: 'loading' });
  const [overview, setOverview] = useState<{ hosts: HostState[]; watchedCount: number }>();
  const [storageProblems, setStorageProblems] = useState(false);
  const [now, setNow] = useState(Date.now());

  const refresh = useCallback(async (host: string | undefined) => {
    const [nextCurrent, nextOverview] = await Promise.all([loadCurrent(host), ask({ type: 'get-overview' })]);
    setCurrent(nextCurrent);
    setOverview(nextOverview);
    setNow(Date.now());
  }, []);

  useEffect(() => {
    let timer: ReturnType<typeof setInterval> | undefined;
    void (async () => {
      const host = await currentHost();
      const status = await ask({ type: 'get-status' });
      setStorageProblems(status.storageProblems.length > 0);
      await refresh(host);
      timer = setInterval(() => void refresh(host), REFRESH_MS);
    })();
    return () => clearInterval(timer);
  }, [refresh]);

  const check = (host: string) => {
    setCurrent((c) => (c.kind === 'watched' ? { ...c, state: { ...c.state, probing: true } } : c));
    void ask({ type: 'probe-host', host }).then(() => refresh(host));
  };

  const watch = (host: string) => {
    void browser.tabs.create({ url: `${browser.runtime.getURL('/options.html')}?add=${encodeURIComponent(host)}` });
    window.close();
  };

  const excluded = current.kind === 'watched' ? current.state.host : undefined;
  return (
    <main class="popup">
      <header>
        <img src="/icon/32.png" alt="" width="20" height="20" />
        <h1>{t('extName')}</h1>
      </header>
      <CurrentSite current={current} now={now} onWatch={watch} onCheck={check} />
      {overview && (
        <RecentProblems hosts={overview.hosts} watchedCount={overview.watchedCount} exclude={excluded} now={now} />
      )}
      {storageProblems && <p class="notice">{t('storageProblem')}</p>}
      <footer>
        <a href="/options.html" target="_blank" rel="noreferrer">
          {t('popupSettings')}
        </a>
      </footer>
    </main>
  );
}
