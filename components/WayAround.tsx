/**
 * "What you can do": the steps lib/way-around.ts chose for this verdict, each with its source or its
 * measured state. The popup loads the catalog itself; the background never carries its citations.
 */
import { useEffect, useState } from 'preact/hooks';
import { providers, type CatalogProvider, type Source } from '../catalog/catalog';
import { providersInUse, refreshCatalog } from '../lib/catalog-for-pages';
import { t, uiLanguage } from '../lib/i18n';
import type { HostState } from '../lib/messages';
import { wayAround, type Step, type TorLink } from '../lib/way-around';

function SourceLinks({ sources }: { sources: readonly Source[] }) {
  if (sources.length === 0) return null;
  return (
    <span class="sources">
      {t('waSource')}{' '}
      {sources.map((s, i) => (
        <a key={s.url} href={s.url} target="_blank" rel="noreferrer">
          {s.publisher ?? new URL(s.url).hostname}
          {i < sources.length - 1 ? ', ' : ''}
        </a>
      ))}
    </span>
  );
}

function Links({ links }: { links: readonly TorLink[] }) {
  return (
    <ul class="links">
      {links.map((l) => (
        <li key={l.id}>
          <a href={l.url} target="_blank" rel="noreferrer">
            {t(`waTor_${l.id.replace(/-/g, '_')}`)}
          </a>
        </li>
      ))}
    </ul>
  );
}

function CopyButton({ text }: { text: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      class="secondary"
      aria-label={t('waCopyLabel', [text])}
      onClick={() => void navigator.clipboard.writeText(text).then(() => setCopied(true), () => setCopied(false))}
    >
      {copied ? t('waCopied') : t('waCopy')}
    </button>
  );
}

function StepItem({ step }: { step: Step }) {
  switch (step.kind) {
    case 'interception-warning':
      return <li class="warning" role="alert">{t('waInterception')}</li>;
    case 'secure-dns':
      return (
        <li>
          <strong>{t('waSecureDns')}</strong>
          <ul class="links">
            <li>{t('waSecureDnsChrome')}</li>
            <li>{t('waSecureDnsFirefox')}</li>
            <li>{t('waSecureDnsAndroid')}</li>
          </ul>
          <span class="muted">{t('waSecureDnsVerify')}</span>
        </li>
      );
    case 'https':
      return (
        <li>
          {t('waHttps')}{' '}
          <a href={step.url} target="_blank" rel="noreferrer">{step.url}</a>
        </li>
      );
    case 'mirror':
      return (
        <li data-testid="mirror" data-state={step.state} data-host={step.host}>
          {step.state === 'working' ? (
            <a href={step.url} target="_blank" rel="noreferrer">{step.host}</a>
          ) : (
            <span>{step.host}</span>
          )}{' '}
          <span class={`state state-${step.state}`}>{t(`waMirror_${step.state.replace('-', '_')}`)}</span>{' '}
          <span class="muted">{t('waMirrorSource')}</span>
        </li>
      );
    case 'onion':
      return (
        <li data-testid="onion" data-origin="catalog">
          <strong>{t('waOnion')}</strong>
          <code class="address">{step.onion.url}</code> <CopyButton text={step.onion.url} />
          <span class="muted">{t('waOnionTorOnly')}</span> <SourceLinks sources={step.onion.sources.filter((s) => s.publisher_kind === 'provider')} />
        </li>
      );
    case 'announced-onion':
      return (
        <li data-testid="onion" data-origin="announced">
          <strong>{t('waOnionAnnounced', [new URL(step.pageOrigin).hostname, new Date(step.announcedAt).toLocaleDateString(uiLanguage())])}</strong>
          <code class="address">{step.url}</code> <CopyButton text={step.url} />
          <span class="muted">{t('waOnionTorOnly')}</span>
        </li>
      );
    case 'provider-advice':
      return (
        <li data-testid="provider-advice">
          <a href={step.advice.url} target="_blank" rel="noreferrer">{t(`waAdvice_${step.advice.kind.replace(/-/g, '_')}`)}</a>{' '}
          <SourceLinks sources={step.advice.sources} />
        </li>
      );
    case 'tor-browser':
      return (
        <li>
          <strong>{t('waTorBrowser')}</strong>
          <Links links={step.links} />
        </li>
      );
    case 'bridges':
      return (
        <li>
          <strong>{t('waBridges')}</strong>
          <Links links={step.links} />
        </li>
      );
    case 'same-addresses':
      return (
        <li>
          {t('waSameAddresses')} <SourceLinks sources={step.sources} />
        </li>
      );
    case 'throttled':
      return <li>{t('waThrottled')}</li>;
    case 'status-page':
      return (
        <li>
          <a href={step.url} target="_blank" rel="noreferrer">{t('waStatusPage')}</a>
        </li>
      );
    case 'wait':
      return <li>{t('waWait')}</li>;
    case 'captive-portal':
      return <li>{t('waCaptivePortal')}</li>;
    case 'check-proxy':
      return <li>{t('waCheckProxy')}</li>;
    case 'check-connection':
      return <li>{t('waCheckConnection')}</li>;
  }
}

/**
 * The shipped catalog at once, then the signed update in use if there is one. While a watched site is
 * blocked, the update URLs are asked for a newer catalog (at most once a day, lib/catalog-update.ts).
 */
function useCatalogProviders(blocked: boolean): readonly CatalogProvider[] {
  const [inUse, setInUse] = useState<readonly CatalogProvider[]>(providers);
  useEffect(() => {
    let live = true;
    const load = () => providersInUse().then((p) => void (live && setInUse(p.providers)));
    void load()
      .then(() => (blocked ? refreshCatalog() : false))
      .then((accepted) => (accepted && live ? load() : undefined))
      .catch(() => {});
    return () => {
      live = false;
    };
  }, [blocked]);
  return inUse;
}

export function WayAround({ state }: { state: HostState }) {
  const catalogProviders = useCatalogProviders(state.verdict?.verdict.kind === 'censorship');
  const stored = state.verdict;
  if (!stored) return null;
  const provider = state.provider ? catalogProviders.find((p) => p.id === state.provider!.id) : undefined;
  const steps = wayAround({
    verdict: stored.verdict,
    url: stored.url,
    provider,
    siblings: stored.observations?.siblings,
    announced: state.announcedOnions,
  });
  if (steps.length === 0) return null;
  return (
    <section class="way-around" data-testid="way-around" aria-labelledby="way-around-title">
      <h2 id="way-around-title">{t('waTitle')}</h2>
      <ol>
        {steps.map((step, i) => (
          <StepItem key={`${step.kind}-${i}`} step={step} />
        ))}
      </ol>
    </section>
  );
}
