/**
 * The popup: what happened on the current tab, then recent problems of every watched provider; or,
 * one click away, the status view of every watched provider (components/StatusView.tsx).
 * It asks the background (lib/messages.ts) once when it opens, then again only when Detour's stored
 * state changes (lib/watch-changes.ts), so a failure that happens while it is showing appears without
 * reopening it and an idle popup costs the background nothing.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { browser } from 'wxt/browser';
import { ask } from '../lib/ask';
import { hostOf } from '../engine/hosts';
import { t } from '../lib/i18n';
import type { HostState, ProviderStatusResponse } from '../lib/messages';
import { onStateChanged } from '../lib/watch-changes';
import { CurrentSite, type Current } from './CurrentSite';
import { reportsView, type ReportsView } from '../lib/reports/aggregates';
import { RecentProblems } from './RecentProblems';
import { StatusView } from './StatusView';

/** "2 minutes ago" needs no finer clock; the tick only re-renders, it asks the background nothing. */
export const CLOCK_MS = 30_000;
/** A load that failed (the background not answering yet) is tried again: no later change may come. */
export const RETRY_MS = 2_000;

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
  const [view, setView] = useState<'site' | 'status'>(new URLSearchParams(location.search).get('view') === 'status' ? 'status' : 'site');
  const [status, setStatus] = useState<ProviderStatusResponse>();
  const [reports, setReports] = useState<ReportsView & { runId: string }>();
  const viewRef = useRef(view);
  viewRef.current = view;

  const load = useRef<() => Promise<void>>(async () => {});

  useEffect(() => {
    let closed = false;
    let issued = 0;
    let retry: ReturnType<typeof setTimeout> | undefined;
    const host = currentHost().catch(() => undefined);

    load.current = async () => {
      clearTimeout(retry);
      const mine = ++issued;
      try {
        const [nextCurrent, nextOverview, nextStatus] = await Promise.all([
          host.then(loadCurrent),
          ask({ type: 'get-overview' }),
          viewRef.current === 'status' ? ask({ type: 'get-provider-status' }) : undefined,
        ]);
        // Answers can overtake each other, and no later poll would put a stale one right.
        if (closed || mine !== issued) return;
        setCurrent(nextCurrent);
        setOverview(nextOverview);
        if (nextStatus) setStatus(nextStatus);
        setNow(Date.now());
      } catch {
        // The background did not answer (starting, being updated), and no later change may come.
        if (!closed && mine === issued) retry = setTimeout(() => void load.current(), RETRY_MS);
      }
    };

    // Subscribed before the first load is sent, so a change made while it is answered is not lost.
    const stop = onStateChanged(() => void load.current());
    const clock = setInterval(() => setNow(Date.now()), CLOCK_MS);
    void load.current();
    void ask({ type: 'get-status' })
      .then((status) => !closed && setStorageProblems(status.storageProblems.length > 0))
      .catch(() => {});
    return () => {
      closed = true;
      stop();
      clearInterval(clock);
      clearTimeout(retry);
    };
  }, []);

  const check = (host: string) => {
    setCurrent((c) => (c.kind === 'watched' ? { ...c, state: { ...c.state, probing: true } } : c));
    // The run's start and end arrive as storage changes as well; asking when it answers does not
    // depend on them, and costs one request per click.
    void ask({ type: 'probe-host', host })
      .catch(() => undefined)
      .then(() => load.current());
  };

  const showView = (next: 'site' | 'status') => {
    viewRef.current = next;
    setView(next);
    void load.current();
  };

  // Results arrive as storage changes (onStateChanged above), one provider at a time.
  const checkProviders = (keys?: string[]) => {
    setStatus((s) => s && { ...s, providers: s.providers.map((p) => (!keys || keys.includes(p.key) ? { ...p, checking: true } : p)) });
    void ask(keys ? { type: 'check-providers', keys } : { type: 'check-providers' })
      .catch(() => undefined)
      .then(() => load.current());
  };

  const watch = (host: string) => {
    void browser.tabs.create({ url: `${browser.runtime.getURL('/options.html')}?add=${encodeURIComponent(host)}` });
    window.close();
  };

  // Reports for a censorship verdict: the services are asked once per verdict while the popup is open.
  const verdict = current.kind === 'watched' ? current.state.verdict : undefined;
  const censorshipRun = verdict?.verdict.kind === 'censorship' ? verdict.runId : undefined;
  useEffect(() => {
    if (!censorshipRun || !verdict || reports?.runId === censorshipRun) return;
    let closed = false;
    void ask({ type: 'get-settings' })
      .then(({ settings }) => reportsView(verdict, settings, { fetch: (input, init) => fetch(input, init), now: Date.now() }))
      .then((answer) => !closed && setReports({ ...answer, runId: censorshipRun }))
      .catch(() => {});
    return () => {
      closed = true;
    };
  }, [censorshipRun]);

  const offerReports = () => {
    void browser.tabs.create({ url: `${browser.runtime.getURL('/options.html')}#reports` });
    window.close();
  };

  const excluded = current.kind === 'watched' ? current.state.host : undefined;
  return (
    <main class="popup">
      <header>
        <img src="/icon/32.png" alt="" width="20" height="20" />
        <h1>{t('extName')}</h1>
      </header>
      {view === 'site' ? (
        <>
          <CurrentSite
            current={current}
            now={now}
            onWatch={watch}
            onCheck={check}
            reports={reports?.runId === censorshipRun ? reports : undefined}
            onOfferReports={offerReports}
          />
          {overview && (
            <RecentProblems hosts={overview.hosts} watchedCount={overview.watchedCount} exclude={excluded} now={now} />
          )}
        </>
      ) : (
        <StatusView status={status} now={now} onCheck={(key) => checkProviders([key])} onCheckAll={() => checkProviders()} />
      )}
      {storageProblems && <p class="notice">{t('storageProblem')}</p>}
      <footer>
        <button type="button" class="link" data-testid="switch-view" onClick={() => showView(view === 'site' ? 'status' : 'site')}>
          {view === 'site' ? t('popupStatusOpen') : t('popupStatusBack')}
        </button>{' '}
        <a href="/options.html" target="_blank" rel="noreferrer">
          {t('popupSettings')}
        </a>
      </footer>
    </main>
  );
}
