import type { PackContext } from './fuses';

/** electron-builder's afterPack hook: flips the fuses of the packed app (see fuses.ts). */
export default function afterPack(context: PackContext): Promise<void>;
