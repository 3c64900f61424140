/**
 * The checks every request to `qc serve` passes: the session token (constant-time), the Host header
 * (DNS rebinding) and the Origin header (cross-site requests), plus the response headers that go
 * with every answer.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { rendererCsp, SECURITY_HEADERS } from '../core/web';

/** 256 random bits, base64url (43 characters). */
export function generateToken(): string {
  return randomBytes(32).toString('base64url');
}

/** A token a caller chose must look like one we would make: base64url, at least 128 bits. */
export function isAcceptableToken(token: string): boolean {
  return /^[A-Za-z0-9_-]{22,512}$/.test(token);
}

/** Compare in constant time (both sides hashed first, so their lengths leak nothing either). */
export function tokenMatches(given: string | null | undefined, expected: string): boolean {
  if (typeof given !== 'string' || given.length === 0) return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/**
 * What a page puts in its image URLs instead of the session token (`/files/…?f=KEY`): a key derived
 * from the token that opens only the image routes. An image's address is handed on by ordinary
 * actions (Copy image address, a thumbnail dragged into a chat, Open image in new tab: history);
 * with the token in it, whoever got it and can reach the port held the whole API. The renderer
 * derives the same key (src-renderer/api/fileKey.ts; `fileKey.test.ts` checks they agree).
 */
export function fileKeyOf(token: string): string {
  return createHmac('sha256', token).update(FILE_KEY_PURPOSE).digest('base64url');
}

/** The message the image key is the token's HMAC of. */
export const FILE_KEY_PURPOSE = 'qc-files';

/** HTTP's default port, which browsers leave out of Host, Origin and the address bar. */
const DEFAULT_HTTP_PORT = 80;

/** The Host values this server answers to (on port 80 also the port-less forms browsers send). */
export function allowedHosts(port: number): string[] {
  const hosts = [`127.0.0.1:${port}`, `localhost:${port}`];
  return port === DEFAULT_HTTP_PORT ? [...hosts, '127.0.0.1', 'localhost'] : hosts;
}

/** The Origins this server accepts when a request carries one (on port 80 also the port-less forms). */
export function allowedOrigins(port: number): string[] {
  return allowedHosts(port).map((host) => `http://${host}`);
}

/** What the user opens: `http://127.0.0.1:PORT/#token=TOKEN` (no `:80` on port 80, as a browser shows it). */
export function appUrl(port: number, token: string): string {
  return `http://127.0.0.1${port === DEFAULT_HTTP_PORT ? '' : `:${port}`}/#token=${token}`;
}

/**
 * Why a request must be refused with 403, or null when Host and Origin are acceptable: Host must
 * name this server exactly (a rebound DNS name carries the attacker's host), and an Origin, when
 * present, must be this server's own. Each may be sent once: Node keeps the first of two Host
 * headers and joins or drops others, so a request with two is refused rather than guessed at.
 */
export function hostOriginProblem(req: Pick<IncomingMessage, 'headers' | 'rawHeaders'>, port: number): string | null {
  let hosts = 0;
  let origins = 0;
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!.toLowerCase();
    if (name === 'host') hosts++;
    else if (name === 'origin') origins++;
  }
  if (hosts > 1 || origins > 1) return 'more than one Host or Origin header';
  const host = req.headers.host;
  if (typeof host !== 'string' || !allowedHosts(port).includes(host.toLowerCase())) return 'unexpected Host header';
  const origin = req.headers.origin;
  if (origin !== undefined && !allowedOrigins(port).includes(String(origin).toLowerCase())) return 'cross-origin request refused';
  return null;
}

export function contentSecurityPolicy(port: number): string {
  return rendererCsp({ connectSrc: [`ws://127.0.0.1:${port}`, `ws://localhost:${port}`] });
}

/** Headers on every response. */
export const BASE_HEADERS = SECURITY_HEADERS;

/** Extra headers on HTML documents. */
export function htmlHeaders(port: number): Record<string, string> {
  return {
    'Content-Security-Policy': contentSecurityPolicy(port),
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
  };
}
