/**
 * The desktop shell's methods (contract/shell.ts) as every transport but Electron answers them:
 * `not_available`, so the page falls back to its own path inputs. The Electron shell replaces
 * these handlers with native dialogs (src-main/electron/dialogs.ts).
 */
import { QcError } from '../../src-shared/contract/errors';
import type { HandlersOf } from '../../src-shared/contract/handlers';
import { NOT_AVAILABLE_MESSAGE, type ShellApi } from '../../src-shared/contract/shell';

export function unavailableShellHandlers(): HandlersOf<ShellApi> {
  const refuse = async (): Promise<never> => {
    throw new QcError('not_available', NOT_AVAILABLE_MESSAGE);
  };
  return { 'shell.openDialog': refuse, 'shell.saveDialog': refuse };
}
