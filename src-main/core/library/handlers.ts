/** The library's slice of the API. */
import type { HandlersOf, LibraryApi } from '../../../src-shared/contract/handlers';
import type { CoreContext } from '../context';
import type { Importer } from './importer';
import { libraryStatus, listFailures, listSources } from './status';
import { sweepOwnerLocks } from './store';

export function libraryHandlers(core: CoreContext, importer: Importer): HandlersOf<LibraryApi> {
  /** Whatever an import did (finished, cancelled, failed half way), every open view reloads what it shows. */
  const announced = async <T>(work: Promise<T>): Promise<T> => {
    try {
      return await work;
    } finally {
      core.events.emit('library.changed', { reason: 'import' });
    }
  };
  /**
   * An import another process left `running` when it ended (a `qc import` killed beside the app or
   * `qc serve`) is marked interrupted and settled, not only at the next open; then what that
   * process left in tmp/ and owners/ is swept as at open (only files of processes that have ended:
   * this one's, and every live one's, stay), and every open view is told to reload. The call that
   * finds it does not wait: the settle runs in the background in steps of SETTLE_STEP_MS (minutes
   * for an import of a million images), its first step before the call answers (a small import is
   * settled by then); a call while one runs shares it (importer.ts markInterruptedAsync), and
   * library.sources shows the imports it is settling as interrupted already.
   */
  const settleInterrupted = (): void => {
    void importer
      .markInterruptedAsync()
      .then((marked) => {
        if (marked === 0 || !core.db.open) return;
        try {
          core.store.sweepTemp();
          sweepOwnerLocks(core.paths.owners);
        } catch {
          // A folder that cannot be swept now (made a link since open): the next open refuses it and says why.
        }
        core.events.emit('library.changed', { reason: 'import' });
      })
      .catch(() => {
        // The library was closed under it, or the database is failing: the next open settles it.
      });
  };
  return {
    'library.status': async () => {
      settleInterrupted();
      return libraryStatus(core.db, core.paths.root);
    },
    'library.import': (args, ctx) => announced(importer.run(args, ctx)),
    'library.retryFailed': (args, ctx) => announced(importer.retryFailed(args, ctx)),
    'library.failures': async (args) => listFailures(core.db, args.limit),
    'library.sources': async () => {
      settleInterrupted();
      return listSources(core.db, { settling: importer.settlingNow() });
    },
  };
}
