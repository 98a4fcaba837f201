/** The status view names providers itself: the background knows them by id (catalog/provider-index.ts). */
import { describe, expect, it } from 'vitest';
import { nameOf } from '../../components/StatusView';

describe('StatusView', () => {
  it('names a catalog provider from the catalog and a domain the user added by itself', () => {
    expect(nameOf({ key: 'proton', origin: 'catalog' })).toBe('Proton Mail');
    expect(nameOf({ key: 'mailbox_org', origin: 'catalog' })).toBe('mailbox.org (Mailbox Mail)');
    expect(nameOf({ key: 'user:mail.example.org', origin: 'user' })).toBe('mail.example.org');
    // A provider an older background knows and this catalog does not: its id, not nothing.
    expect(nameOf({ key: 'gone_provider', origin: 'catalog' })).toBe('gone_provider');
  });
});
