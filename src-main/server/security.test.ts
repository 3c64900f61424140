/**
 * The Host and Origin checks and the printed link on HTTP's default port: browsers leave `:80` out
 * of Host and Origin, so `qc serve --port 80` must accept exactly those port-less forms (and only
 * on port 80).
 */
import { describe, expect, it } from 'vitest';
import { allowedHosts, allowedOrigins, appUrl, hostOriginProblem } from './security';

/** A request as Node parses it, with exactly these headers. */
function req(headers: Record<string, string>) {
  return { headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])), rawHeaders: Object.entries(headers).flat() };
}

describe('qc serve on port 80', () => {
  it('accepts exactly the port-less Host and Origin a browser sends for http://127.0.0.1/ and http://localhost/, nothing broader', () => {
    for (const host of ['127.0.0.1', 'localhost']) {
      expect(hostOriginProblem(req({ Host: host }), 80), host).toBeNull();
      expect(hostOriginProblem(req({ Host: host, Origin: `http://${host}` }), 80), host).toBeNull();
      expect(hostOriginProblem(req({ Host: `${host}:80`, Origin: `http://${host}:80` }), 80), host).toBeNull();
    }
    expect(allowedHosts(80).sort()).toEqual(['127.0.0.1', '127.0.0.1:80', 'localhost', 'localhost:80']);
    expect(allowedOrigins(80).sort()).toEqual(['http://127.0.0.1', 'http://127.0.0.1:80', 'http://localhost', 'http://localhost:80']);
    // Nothing broader: every other Host and Origin is still refused there,
    for (const host of ['evil.example', '127.0.0.1:8080', '127.0.0.1.evil.example', 'localhost:', '127.0.0.2']) {
      expect(hostOriginProblem(req({ Host: host }), 80), host).not.toBeNull();
    }
    for (const origin of ['http://evil.example', 'https://127.0.0.1', 'http://127.0.0.1:8080', 'null', 'http://127.0.0.1.evil.example']) {
      expect(hostOriginProblem(req({ Host: '127.0.0.1', Origin: origin }), 80), origin).not.toBeNull();
    }
    // and no other port accepts the port-less forms.
    for (const port of [8080, 443, 5173]) {
      expect(hostOriginProblem(req({ Host: '127.0.0.1' }), port)).not.toBeNull();
      expect(hostOriginProblem(req({ Host: `127.0.0.1:${port}`, Origin: 'http://127.0.0.1' }), port)).not.toBeNull();
      expect(hostOriginProblem(req({ Host: `127.0.0.1:${port}`, Origin: `http://127.0.0.1:${port}` }), port)).toBeNull();
      expect(allowedHosts(port)).toEqual([`127.0.0.1:${port}`, `localhost:${port}`]);
    }
  });

  it('prints the link without :80 on port 80, with the port otherwise', () => {
    expect(appUrl(80, 'tok')).toBe('http://127.0.0.1/#token=tok');
    expect(appUrl(8080, 'tok')).toBe('http://127.0.0.1:8080/#token=tok');
    // What the page at that link sends is what the server accepts.
    const page = new URL(appUrl(80, 'tok'));
    expect(hostOriginProblem(req({ Host: page.host, Origin: page.origin }), 80)).toBeNull();
  });
});
