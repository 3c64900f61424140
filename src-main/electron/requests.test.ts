import { describe, expect, it } from 'vitest';
import { allowedRequest } from './requests';

describe('allowedRequest: what the desktop renderer may load', () => {
  const packaged = { packaged: true, devOrigin: null };
  const unpackaged = { packaged: false, devOrigin: null };
  it('its own files, data and blob URLs, packaged or not', () => {
    for (const url of ['app://renderer/index.html', 'app://files/thumb/1', 'data:image/png;base64,AA==', 'blob:app://renderer/1234']) {
      expect(allowedRequest(url, packaged), url).toBe(true);
      expect(allowedRequest(url, unpackaged), url).toBe(true);
    }
  });
  it("DevTools' schemes only where DevTools can open (an unpackaged app)", () => {
    for (const url of ['devtools://devtools/bundled/inspector.html', 'chrome-extension://abc/x.js']) {
      expect(allowedRequest(url, unpackaged), url).toBe(true);
      expect(allowedRequest(url, packaged), url).toBe(false);
    }
  });
  it('the dev server only when one is set, and nothing else from the network or the disk', () => {
    const dev = { packaged: false, devOrigin: 'http://localhost:5173' };
    expect(allowedRequest('http://localhost:5173/src/main.tsx', dev)).toBe(true);
    expect(allowedRequest('ws://localhost:5173/', dev)).toBe(true);
    expect(allowedRequest('http://localhost:5174/', dev)).toBe(false);
    for (const url of ['http://localhost:5173/', 'https://eol.org/', 'file:///etc/passwd', 'ftp://x/', 'not a url']) expect(allowedRequest(url, packaged), url).toBe(false);
  });
});
