/**
 * Electron's fuses for the packaged app, flipped in electron-builder's afterPack step (before
 * signing): the binary cannot be run as plain Node, cannot be steered through NODE_OPTIONS or
 * --inspect, loads the app only from its app.asar and checks that archive's integrity; cookies are
 * encrypted at rest. The app loads its pages from app://, never file://, so file:// keeps no extra
 * privileges. Each key is a fuse index from @electron/fuses (FuseV1Options).
 */
import path from 'node:path';
import { flipFuses, FuseV1Options, FuseVersion, type FuseV1Config } from '@electron/fuses';

export const FUSES = {
  version: FuseVersion.V1,
  // An arm64 (or universal) macOS binary is ad-hoc signed again after the flip, or it will not start.
  resetAdHocDarwinSignature: true,
  [FuseV1Options.RunAsNode]: false,
  [FuseV1Options.EnableCookieEncryption]: true,
  [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
  [FuseV1Options.EnableNodeCliInspectArguments]: false,
  [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
  [FuseV1Options.OnlyLoadAppFromAsar]: true,
  [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
} as const satisfies FuseV1Config;

/** What electron-builder's afterPack context carries that this step uses. */
export interface PackContext {
  appOutDir: string;
  electronPlatformName: string;
  packager: { appInfo: { productFilename: string }; executableName?: string };
}

/** The Electron executable (or, on macOS, the .app bundle) that electron-builder has just laid out. */
export function packagedElectronPath(ctx: PackContext): string {
  const { productFilename } = ctx.packager.appInfo;
  switch (ctx.electronPlatformName) {
    case 'darwin':
    case 'mas':
      return path.join(ctx.appOutDir, `${productFilename}.app`);
    case 'win32':
      return path.join(ctx.appOutDir, `${productFilename}.exe`);
    case 'linux':
      return path.join(ctx.appOutDir, ctx.packager.executableName ?? productFilename);
    default:
      throw new Error(`afterPack: no fuse layout for platform "${ctx.electronPlatformName}"`);
  }
}

/** Flip the fuses in the packed app; returns the binary it changed and how many fuse wires (2 in a universal macOS binary). */
export async function applyFuses(ctx: PackContext, config: FuseV1Config = FUSES): Promise<{ binary: string; wires: number }> {
  const binary = packagedElectronPath(ctx);
  const wires = await flipFuses(binary, config);
  return { binary, wires };
}
