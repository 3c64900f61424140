/** The default library folder: the platform's app-data folder, with XDG_DATA_HOME / APPDATA only when absolute. */
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { APP_DIR_NAME, defaultDataDir } from './paths';

const linuxDefault = path.join(os.homedir(), '.local', 'share', APP_DIR_NAME);

describe('defaultDataDir', () => {
  it('uses an absolute XDG_DATA_HOME', () => {
    expect(defaultDataDir({ XDG_DATA_HOME: '/srv/data' }, 'linux')).toBe(path.join('/srv/data', APP_DIR_NAME));
  });

  it('ignores an empty or relative XDG_DATA_HOME (the XDG spec), never the current folder', () => {
    for (const value of ['', 'data', './data', '.', '~/data']) {
      const dir = defaultDataDir({ XDG_DATA_HOME: value }, 'linux');
      expect(dir, `XDG_DATA_HOME=${JSON.stringify(value)}`).toBe(linuxDefault);
      expect(path.isAbsolute(dir)).toBe(true);
    }
    expect(defaultDataDir({}, 'linux')).toBe(linuxDefault);
  });

  it('ignores an empty or relative APPDATA on Windows', () => {
    const roaming = path.join(path.join(os.homedir(), 'AppData', 'Roaming'), APP_DIR_NAME);
    expect(defaultDataDir({ APPDATA: '' }, 'win32')).toBe(roaming);
    expect(defaultDataDir({ APPDATA: 'Roaming' }, 'win32')).toBe(roaming);
    expect(defaultDataDir({ APPDATA: 'C:\\Users\\ann\\AppData\\Roaming' }, 'win32')).toBe(path.join('C:\\Users\\ann\\AppData\\Roaming', APP_DIR_NAME));
  });

  it('QC_DATA_DIR wins, resolved', () => {
    expect(defaultDataDir({ QC_DATA_DIR: '/x/lib', XDG_DATA_HOME: '/srv/data' }, 'linux')).toBe('/x/lib');
  });
});
