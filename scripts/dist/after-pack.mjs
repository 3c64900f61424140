// electron-builder's afterPack hook (named in electron-builder.yml): flips Electron's fuses in the
// packed app before it is signed and wrapped into installers. The logic and the fuse settings are
// TypeScript (scripts/dist/fuses.ts, unit-tested), loaded here through tsx.
import { tsImport } from 'tsx/esm/api';

export default async function afterPack(context) {
  const { applyFuses } = await tsImport('./fuses.ts', import.meta.url);
  const { binary, wires } = await applyFuses(context);
  console.log(`  • fuses flipped  file=${binary} wires=${wires}`);
}
