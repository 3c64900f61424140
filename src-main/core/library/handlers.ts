/** The library's slice of the API. */
import type { HandlersOf, LibraryApi } from '../../../src-shared/contract/handlers';
import type { CoreContext } from '../context';
import type { Importer } from './importer';
import { libraryStatus, listFailures, listSources } from './status';

export function libraryHandlers(core: CoreContext, importer: Importer): HandlersOf<LibraryApi> {
  /** Whatever an import did (finished, cancelled, failed half way), every open view reloads what it shows. */
  const announced = async <T>(work: Promise<T>): Promise<T> => {
    try {
      return await work;
    } finally {
      core.events.emit('library.changed', { reason: 'import' });
    }
  };
  return {
    'library.status': async () => libraryStatus(core.db, core.paths.root),
    'library.import': (args, ctx) => announced(importer.run(args, ctx)),
    'library.retryFailed': (args, ctx) => announced(importer.retryFailed(args, ctx)),
    'library.failures': async (args) => listFailures(core.db, args.limit),
    'library.sources': async () => listSources(core.db),
  };
}
