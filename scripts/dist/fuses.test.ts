/**
 * The fuse settings and the afterPack step that applies them. No Electron binary can be had here,
 * so the step runs on stand-in executables that carry a real fuse wire (the sentinel, version 1,
 * the wire length, then one '0'/'1' per fuse, exactly as Electron lays it out), read back with
 * @electron/fuses itself.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FuseState, FuseV1Options, FuseVersion, getCurrentFuseWire } from '@electron/fuses';
import { afterAll, describe, expect, it } from 'vitest';
import afterPack from './after-pack.mjs';
import { applyFuses, FUSES, packagedElectronPath, type PackContext } from './fuses';

/** Electron's fuse sentinel (declared by @electron/fuses' typings, not exported at run time). */
const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qc-fuses-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A stand-in binary with Electron's default fuse states (RunAsNode on, cookie encryption off, …) among random bytes. */
function fakeElectron(file: string, wire = '101100001'): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const junk = () => Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 131 + 7) % 251));
  fs.writeFileSync(file, Buffer.concat([junk(), Buffer.from(SENTINEL), Buffer.from([1, wire.length]), Buffer.from(wire, 'latin1'), junk()]));
  return file;
}

const ctx = (appOutDir: string, platform: string, productFilename = 'Quality Curator', executableName?: string): PackContext => ({
  appOutDir,
  electronPlatformName: platform,
  packager: { appInfo: { productFilename }, ...(executableName && { executableName }) },
});

describe('fuse configuration', () => {
  it('turns off running as Node, NODE_OPTIONS and --inspect; turns on cookie encryption, ASAR integrity and ASAR-only loading', () => {
    expect(FUSES.version).toBe(FuseVersion.V1);
    expect(FUSES[FuseV1Options.RunAsNode]).toBe(false);
    expect(FUSES[FuseV1Options.EnableCookieEncryption]).toBe(true);
    expect(FUSES[FuseV1Options.EnableNodeOptionsEnvironmentVariable]).toBe(false);
    expect(FUSES[FuseV1Options.EnableNodeCliInspectArguments]).toBe(false);
    expect(FUSES[FuseV1Options.EnableEmbeddedAsarIntegrityValidation]).toBe(true);
    expect(FUSES[FuseV1Options.OnlyLoadAppFromAsar]).toBe(true);
    // Pages come from app://, so file:// gets no extra privileges.
    expect(FUSES[FuseV1Options.GrantFileProtocolExtraPrivileges]).toBe(false);
  });
});

describe('afterPack', () => {
  it('finds the packed executable per platform', () => {
    expect(packagedElectronPath(ctx('/o', 'linux', 'Quality Curator', 'quality-curator'))).toBe(path.join('/o', 'quality-curator'));
    expect(packagedElectronPath(ctx('/o', 'win32'))).toBe(path.join('/o', 'Quality Curator.exe'));
    expect(packagedElectronPath(ctx('/o', 'darwin'))).toBe(path.join('/o', 'Quality Curator.app'));
    expect(() => packagedElectronPath(ctx('/o', 'sunos'))).toThrow(/no fuse layout for platform "sunos"/);
  });

  it('flips the fuse wire of a Linux binary to the configured states', async () => {
    const out = path.join(dir, 'linux-unpacked');
    const bin = fakeElectron(path.join(out, 'quality-curator'));
    const before = await getCurrentFuseWire(bin);
    expect(before[FuseV1Options.RunAsNode]).toBe(FuseState.ENABLE);

    const r = await applyFuses(ctx(out, 'linux', 'Quality Curator', 'quality-curator'));
    expect(r).toEqual({ binary: bin, wires: 1 });
    const after = await getCurrentFuseWire(bin);
    expect(after[FuseV1Options.RunAsNode]).toBe(FuseState.DISABLE);
    expect(after[FuseV1Options.EnableCookieEncryption]).toBe(FuseState.ENABLE);
    expect(after[FuseV1Options.EnableNodeOptionsEnvironmentVariable]).toBe(FuseState.DISABLE);
    expect(after[FuseV1Options.EnableNodeCliInspectArguments]).toBe(FuseState.DISABLE);
    expect(after[FuseV1Options.EnableEmbeddedAsarIntegrityValidation]).toBe(FuseState.ENABLE);
    expect(after[FuseV1Options.OnlyLoadAppFromAsar]).toBe(FuseState.ENABLE);
    expect(after[FuseV1Options.GrantFileProtocolExtraPrivileges]).toBe(FuseState.DISABLE);
    // Fuses the config leaves alone keep Electron's default.
    expect(after[FuseV1Options.WasmTrapHandlers]).toBe(before[FuseV1Options.WasmTrapHandlers]);
  });

  it('runs as electron-builder calls it (the .mjs hook loading the TypeScript through tsx) on a Windows layout', async () => {
    const out = path.join(dir, 'win-unpacked');
    const bin = fakeElectron(path.join(out, 'Quality Curator.exe'));
    await afterPack(ctx(out, 'win32'));
    expect((await getCurrentFuseWire(bin))[FuseV1Options.RunAsNode]).toBe(FuseState.DISABLE);
  });

  it('fails the build when the binary has no fuse wire', async () => {
    const out = path.join(dir, 'broken');
    fs.mkdirSync(out, { recursive: true });
    fs.writeFileSync(path.join(out, 'quality-curator'), 'not electron');
    await expect(applyFuses(ctx(out, 'linux', 'Quality Curator', 'quality-curator'))).rejects.toThrow(/sentinel/);
  });
});
