/**
 * A thin wrapper over a real ApiClient for renderer tests: records every call, and injects what a
 * real core cannot be asked to do on cue: a failure of the next call of a method, or latency.
 * Everything else is the real core's answer.
 */
import type { QcErrorShape } from '../../src-shared/contract/errors';
import { QcError } from '../../src-shared/contract/errors';
import type { ArgsOf, Method } from '../../src-shared/contract/handlers';
import type { ApiClient } from '../../src-renderer/api/client';

export interface TestClient extends ApiClient {
  /** Every call made, in order. */
  readonly calls: { method: Method; args: unknown }[];
  callsOf<M extends Method>(method: M): ArgsOf<M>[];
  /** The next call of `method` rejects with this error (the core is not called). */
  failNext(method: Method, error: QcErrorShape): void;
  /** Calls of `method` from now on wait (before reaching the core) until the returned function is called. */
  hold(method: Method): () => void;
}

export function withFaults(inner: ApiClient, opts: { latencyMs?: number } = {}): TestClient {
  const calls: { method: Method; args: unknown }[] = [];
  const failures = new Map<Method, QcErrorShape>();
  const held = new Map<Method, Promise<void>>();
  const wait = () => (opts.latencyMs ? new Promise((r) => setTimeout(r, opts.latencyMs)) : Promise.resolve());
  return {
    ...inner,
    calls,
    callsOf: <M extends Method>(method: M) => calls.filter((c) => c.method === method).map((c) => c.args as ArgsOf<M>),
    failNext(method, error) {
      failures.set(method, error);
    },
    hold(method) {
      let release!: () => void;
      held.set(method, new Promise<void>((r) => (release = r)));
      return () => {
        held.delete(method);
        release();
      };
    },
    async call(method, args, callOpts) {
      calls.push({ method, args: structuredClone(args) });
      await wait();
      await held.get(method);
      const failure = failures.get(method);
      if (failure) {
        failures.delete(method);
        throw QcError.fromJSON(failure);
      }
      return inner.call(method, args, callOpts);
    },
  };
}
