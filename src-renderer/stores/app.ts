/** The app store: every slice over one ApiClient, plus the React context and hooks to reach it. */
import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import { createStore } from 'zustand/vanilla';
import type { ApiClient } from '../api/client';
import { exportSlice } from './exportSlice';
import { jobsSlice } from './jobs';
import { librarySlice } from './library';
import { reviewSlice } from './review';
import { toastSlice } from './toasts';
import { trainingSlice } from './training';
import type { AppState, AppStore } from './types';
import { uiSlice } from './ui';

export type { AppState, AppStore } from './types';

export function createAppStore(client: ApiClient): AppStore {
  return createStore<AppState>()((set, get) => ({
    ...uiSlice(set, get, client),
    ...toastSlice(set, get, client),
    ...jobsSlice(set, get, client),
    ...librarySlice(set, get, client),
    ...reviewSlice(set, get, client),
    ...trainingSlice(set, get, client),
    ...exportSlice(set, get, client),
  }));
}

export interface AppContextValue {
  store: AppStore;
  client: ApiClient;
}

export const AppContext = createContext<AppContextValue | null>(null);

function useAppContext(): AppContextValue {
  const ctx = useContext(AppContext);
  if (!ctx) throw new Error('AppContext is missing: render inside <AppProvider>');
  return ctx;
}

/** Select from the app store (re-renders when the selected value changes by Object.is). */
export function useApp<T>(selector: (s: AppState) => T): T {
  return useStore(useAppContext().store, selector);
}

/** The store's actions and state without subscribing (event handlers). */
export function useAppStore(): AppStore {
  return useAppContext().store;
}

export function useClient(): ApiClient {
  return useAppContext().client;
}
