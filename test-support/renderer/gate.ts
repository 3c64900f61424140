import type { ArgsOf, Method } from '../../src-shared/contract/handlers';
import type { ApiClient } from '../../src-renderer/api/client';

/**
 * The next call of `method` (matching `when`) reaches the core and is answered at once, but its
 * answer is held back until release(): a slow answer computed before later calls' answers.
 */
export function holdAnswer<M extends Method>(client: ApiClient, method: M, when: (args: ArgsOf<M>) => boolean = () => true): { release(): void; seen: Promise<void> } {
  const orig = client.call.bind(client);
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let seenResolve!: () => void;
  const seen = new Promise<void>((r) => (seenResolve = r));
  let used = false;
  const held: ApiClient['call'] = async (m, args, opts) => {
    if (!used && m === (method as Method) && when(args as unknown as ArgsOf<M>)) {
      used = true;
      seenResolve();
      try {
        const r = await orig(m, args, opts);
        await gate;
        return r;
      } catch (e) {
        await gate;
        throw e;
      }
    }
    return orig(m, args, opts);
  };
  client.call = held;
  return { release, seen };
}
