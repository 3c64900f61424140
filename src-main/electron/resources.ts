/**
 * Where the desktop app finds its bundled resources. Packaged, electron-builder puts them next to
 * app.asar as extraResources (electron-builder.yml: `to: models`, `to: demo`), i.e. under
 * `process.resourcesPath`; unpackaged (npm start, e2e), they are the checkout's resources/ folder
 * beside the app path. No electron import: main.ts passes in what `app` knows.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DEFECT_NET_CARD, DEFECT_NET_FILE } from '../core/ml/features/defectNet';

/** The extraResources folder names (electron-builder.yml `to:`), checked against the config by a test. */
export const PACKAGED_MODELS = 'models';
export const PACKAGED_DEMO = 'demo';

export interface AppResourceInput {
  isPackaged: boolean;
  /** `process.resourcesPath` (packaged: `<install>/resources`). */
  resourcesPath: string;
  /** `app.getAppPath()` (unpackaged: the checkout root that holds package.json). */
  appPath: string;
}

export interface AppResources {
  modelsDir: string;
  demoDir: string;
}

export function appResources(input: AppResourceInput): AppResources {
  const base = input.isPackaged ? input.resourcesPath : path.join(input.appPath, 'resources');
  return { modelsDir: path.join(base, PACKAGED_MODELS), demoDir: path.join(base, PACKAGED_DEMO) };
}

/** What is missing of a packaged app's resources (an empty list when all is there). */
export function missingResources(r: AppResources, exists: (p: string) => boolean = fs.existsSync): string[] {
  return [path.join(r.modelsDir, 'backbones.json'), path.join(r.modelsDir, DEFECT_NET_FILE), path.join(r.modelsDir, DEFECT_NET_CARD), path.join(r.demoDir, 'image_ratings.txt')].filter((p) => !exists(p));
}
