/** `qc doctor [--json]`: what this machine has and the library's state (src-main/core/doctor.ts); never creates the library, opens its database read-only and changes nothing. */
import type { Command } from 'commander';
import { defaultModelsDir } from '../core/app';
import { formatDoctor, runDoctor } from '../core/doctor';
import { dataDirOption } from './options';

export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description('check this machine: ONNX Runtime providers, tfjs backend, Electron, Chromium, SQLite, library folder, files no image names, free disk')
    .option('--no-providers', 'do not probe the ONNX Runtime execution providers (faster)')
    .action(async (o: { providers: boolean }, cmd: Command) => {
      const g = cmd.optsWithGlobals<{ data?: string; json?: boolean }>();
      const report = await runDoctor({ dataDir: dataDirOption(g.data).dir, modelsDir: defaultModelsDir(), skipProviders: !o.providers });
      process.stdout.write(g.json ? `${JSON.stringify(report)}\n` : `${formatDoctor(report)}\n`);
    });
}
