/** What renderer tests opened (transports, cores) and the test's end must close: pagePerFile.ts closes them. */
const opened: (() => Promise<void>)[] = [];

export function onTestEnd(close: () => Promise<void>): void {
  opened.push(close);
}

export async function closeOpened(): Promise<void> {
  for (const close of opened.splice(0)) await close();
}
