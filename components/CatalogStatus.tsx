/**
 * The catalog in use, for the options page: its version, whether it is the one built in or a signed
 * update (from where, when, by which key), whether it is past its expiry, and the last update check.
 */
import { useEffect, useState } from 'preact/hooks';
import { browser } from 'wxt/browser';
import { CATALOG_KEYS } from '../catalog/catalog-keys';
import { keyIdHex, parsePublicKey } from '../engine/minisign';
import { providersInUse } from '../lib/catalog-for-pages';
import { parseCatalogUpdateCheck, type CatalogInUse } from '../lib/catalog-update';
import { t, uiLanguage } from '../lib/i18n';
import { STORAGE_KEYS, type CatalogUpdateCheck } from '../lib/storage';
import { onStateChanged } from '../lib/watch-changes';

const keyId = (key: string) => {
  const parsed = parsePublicKey(key);
  return parsed ? keyIdHex(parsed.keyId) : '?';
};
const when = (at: number) => new Date(at).toLocaleString(uiLanguage());

/**
 * A check runs in the page that started it (lib/catalog-for-pages.ts): one still "checking" this long
 * after it began had its page closed under it. Each address gets two capped fetches, well within this.
 */
export const CHECK_INTERRUPTED_AFTER_MS = 5 * 60_000;

/** The stored outcome (lib/catalog-update.ts) in the user's words. */
export function checkOutcomeText(check: CatalogUpdateCheck, now: number): string {
  switch (check.outcome) {
    case 'checking':
      return now - check.checkedAt > CHECK_INTERRUPTED_AFTER_MS ? t('catalogCheckInterrupted') : t('catalogCheckChecking');
    case 'accepted':
      return t('catalogCheckAccepted');
    case 'no-update':
    case 'replay':
      return t('catalogCheckNoUpdate');
    case 'network':
    case 'http-status':
      return t('catalogCheckUnreachable');
    case 'bad-url':
      return t('catalogCheckBadUrl');
    case 'malformed-signature':
    case 'unknown-key':
    case 'bad-signature':
      return t('catalogCheckBadSignature');
    case 'expired':
      return t('catalogCheckExpired');
    default:
      // 'malformed', 'invalid-catalog', 'too-large', and anything else storage holds (it is untrusted).
      return t('catalogCheckInvalid');
  }
}

export function CatalogStatus() {
  const [inUse, setInUse] = useState<CatalogInUse>();
  const [check, setCheck] = useState<CatalogUpdateCheck>();

  useEffect(() => {
    // Both read before either is shown: the catalog in use never appears with "not checked yet".
    const load = async () => {
      const [{ inUse: current }, stored] = await Promise.all([providersInUse(), browser.storage.local.get(STORAGE_KEYS.catalogUpdateCheck)]);
      setCheck(parseCatalogUpdateCheck(stored[STORAGE_KEYS.catalogUpdateCheck]));
      setInUse(current);
    };
    void load();
    return onStateChanged(() => void load(), { keys: [STORAGE_KEYS.catalogUpdate, STORAGE_KEYS.catalogUpdateCheck] });
  }, []);

  if (!inUse) return null;
  return (
    <div class="catalog-status" data-testid="catalog-status" data-source={inUse.source} data-stale={String(inUse.stale)}>
      <p>
        {t('catalogStatusVersion', [String(inUse.version)])}{' '}
        {inUse.source === 'update' ? t('catalogStatusUpdate', [inUse.from, when(inUse.acceptedAt)]) : t('catalogStatusShipped')}
      </p>
      {inUse.stale && <p class="status error">{t('catalogStatusStale')}</p>}
      <p class="muted">{check ? t('catalogStatusLastCheck', [when(check.checkedAt), checkOutcomeText(check, Date.now())]) : t('catalogStatusNeverChecked')}</p>
      <p class="muted">{t('catalogStatusKeys', [keyId(CATALOG_KEYS.current), keyId(CATALOG_KEYS.backup)])}</p>
    </div>
  );
}
