/** What every feature's handlers share: the open database, the file store, services and the event bus. */
import type { EventMap, EventName } from '../../src-shared/contract/events';
import type { Db } from './db/open';
import type { LabelService } from './labels/labels';
import type { ImageStore } from './library/store';
import type { LibraryPaths } from './paths';
import type { LookupFunction } from 'node:net';

export interface EventBus {
  emit<E extends EventName>(name: E, payload: EventMap[E]): void;
  on<E extends EventName>(name: E, listener: (payload: EventMap[E]) => void): () => void;
}

export interface CoreContext {
  paths: LibraryPaths;
  db: Db;
  store: ImageStore;
  labels: LabelService;
  events: EventBus;
  maxPixels?: number;
  /** How downloads resolve host names (library/fetch.ts; default: the system's). Tests give their own. */
  lookup?: LookupFunction;
}
