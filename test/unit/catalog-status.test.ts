/**
 * The options page's last catalog check, in the user's words: every outcome lib/catalog-update.ts can
 * store gets a message of its own kind (not the raw code, which no Russian reader can use), and a
 * check whose page closed under it reads as interrupted, not as running for a day.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { CHECK_INTERRUPTED_AFTER_MS, checkOutcomeText } from '../../components/CatalogStatus';
import type { CatalogRefusal } from '../../catalog/signed-catalog';
import { getMessage, installFakes } from './fakes';

const T0 = Date.parse('2026-12-03T12:00:00Z');
const at = (outcome: string, checkedAt = T0) => checkOutcomeText({ checkedAt, outcome }, T0);

// Keyed by the type: a refusal added to signed-catalog.ts and forgotten here fails the type check.
const REFUSALS: Record<CatalogRefusal, string> = {
  'too-large': 'catalogCheckInvalid',
  'malformed-signature': 'catalogCheckBadSignature',
  'unknown-key': 'catalogCheckBadSignature',
  'bad-signature': 'catalogCheckBadSignature',
  malformed: 'catalogCheckInvalid',
  'invalid-catalog': 'catalogCheckInvalid',
  replay: 'catalogCheckNoUpdate',
  expired: 'catalogCheckExpired',
};

describe('the last catalog check, as the options page says it', () => {
  beforeEach(() => {
    installFakes();
  });

  it.each([
    ...Object.entries(REFUSALS),
    ['accepted', 'catalogCheckAccepted'],
    ['no-update', 'catalogCheckNoUpdate'],
    ['network', 'catalogCheckUnreachable'],
    ['http-status', 'catalogCheckUnreachable'],
    ['bad-url', 'catalogCheckBadUrl'],
  ])('%s: %s', (outcome, key) => {
    expect(getMessage(key), `${key} in messages.json`).not.toBe('');
    expect(at(outcome)).toBe(getMessage(key));
  });

  it('a check still running is "checking now" until its page must have closed under it', () => {
    expect(at('checking', T0 - 1000)).toBe(getMessage('catalogCheckChecking'));
    expect(at('checking', T0 - CHECK_INTERRUPTED_AFTER_MS)).toBe(getMessage('catalogCheckChecking'));
    expect(at('checking', T0 - CHECK_INTERRUPTED_AFTER_MS - 1)).toBe(getMessage('catalogCheckInterrupted'));
  });

  it('an outcome storage should not hold is not shown as it stands', () => {
    expect(at('<img src=x>')).toBe(getMessage('catalogCheckInvalid'));
  });
});
