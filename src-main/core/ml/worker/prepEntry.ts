/**
 * A preparation worker (prepPool.ts): decodes an image and makes its backbone inputs, crops,
 * signals and hash (prepare.ts), then transfers the buffers back. No database, no backbone.
 */
import { parentPort } from 'node:worker_threads';
import { DecodeCache, prepareImage, preparedBuffers, type PrepareItem, type PrepareOptions } from '../prepare';

export interface PrepRequest {
  id: number;
  item: PrepareItem;
  opts: PrepareOptions;
}

const cache = new DecodeCache(4);
const port = parentPort;
if (port) {
  port.on('message', async (msg: PrepRequest) => {
    const result = await prepareImage(msg.item, msg.opts, cache);
    port.postMessage({ id: msg.id, result }, preparedBuffers(result));
  });
}
