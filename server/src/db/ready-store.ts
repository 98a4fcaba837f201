/**
 * Opens and migrates the store on first use, not at startup: the control endpoint must serve while
 * the database is missing or broken, and the report routes recover by themselves once it is back
 * (a failed attempt is forgotten, so the next request tries again).
 */
import { StoreUnavailableError, type ReportStore } from './store';

export type ReadyStore = () => Promise<ReportStore>;

export function readyStore(store: ReportStore): ReadyStore {
  let migrated: Promise<void> | undefined;
  return async () => {
    migrated ??= store.migrate().catch((error: unknown) => {
      migrated = undefined;
      throw error instanceof StoreUnavailableError ? error : new StoreUnavailableError(`migration failed: ${(error as Error).message}`);
    });
    await migrated;
    return store;
  };
}
