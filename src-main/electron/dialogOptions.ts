/**
 * The contract's dialog requests (contract/shell.ts) as Electron dialog options. Pure (only
 * Electron's types), so the mapping is tested without an Electron binary.
 */
import type { OpenDialogOptions, SaveDialogOptions } from 'electron';
import type { OpenDialogArgs, SaveDialogArgs } from '../../src-shared/contract/shell';

export function openDialogOptions(a: OpenDialogArgs, platform: NodeJS.Platform = process.platform): OpenDialogOptions {
  const properties: NonNullable<OpenDialogOptions['properties']> = a.select === 'folder' ? ['openDirectory', 'createDirectory'] : ['openFile'];
  if (a.multiple) properties.push('multiSelections');
  if (platform === 'darwin' && a.select === 'file') properties.push('treatPackageAsDirectory');
  return {
    properties,
    ...(a.title && { title: a.title }),
    ...(a.defaultPath && { defaultPath: a.defaultPath }),
    ...(a.filters && a.select === 'file' && { filters: a.filters }),
  };
}

export function saveDialogOptions(a: SaveDialogArgs): SaveDialogOptions {
  return {
    properties: ['createDirectory', 'showOverwriteConfirmation'],
    ...(a.title && { title: a.title }),
    ...(a.defaultPath && { defaultPath: a.defaultPath }),
    ...(a.filters && { filters: a.filters }),
  };
}
