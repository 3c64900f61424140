import type { ReactNode } from 'react';
import type { ApiClient } from '../../api/client';
import { AppContext, type AppStore } from '../../stores/app';

export function AppProvider({ client, store, children }: { client: ApiClient; store: AppStore; children: ReactNode }) {
  return <AppContext.Provider value={{ client, store }}>{children}</AppContext.Provider>;
}
