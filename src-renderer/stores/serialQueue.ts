/**
 * Steps that must reach the core one after the other (a window's label changes and their undos; its
 * export-threshold changes and theirs): each starts once the one before has been answered, whether
 * it succeeded or failed, so an undo always takes back the step recorded before it.
 */
export function serialQueue(): (step: () => Promise<void>) => Promise<void> {
  let last: Promise<unknown> = Promise.resolve();
  return (step) => {
    const p = last.then(step, step);
    last = p.catch(() => undefined);
    return p;
  };
}
