/** The library's slice of the API. */
import type { HandlersOf, LibraryApi } from '../../../src-shared/contract/handlers';
import type { CoreContext } from '../context';
import type { Importer } from './importer';
import { libraryStatus, listFailures, listSources } from './status';

export function libraryHandlers(core: CoreContext, importer: Importer): HandlersOf<LibraryApi> {
  return {
    'library.status': async () => libraryStatus(core.db, core.paths.root),
    'library.import': (args, ctx) => importer.run(args, ctx),
    'library.retryFailed': (args, ctx) => importer.retryFailed(args, ctx),
    'library.failures': async (args) => listFailures(core.db, args.limit),
    'library.sources': async () => listSources(core.db),
  };
}
