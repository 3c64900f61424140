/**
 * A long call run as a job whose id a slice keeps in the store while it runs (the screen's busy
 * state, and the id its Cancel passes to `cancelJob`): start it, remember its id, await it, keep the
 * result and say so in a toast, or report the error ("Export: cancelled" for a cancel); then clear
 * the id, only if it is still this job's (a later job in the same field keeps its own).
 */
import type { ArgsOf, Method, ResultOf } from '../../src-shared/contract/handlers';
import type { FormErrors } from './formErrors';
import type { ToastKind } from './toasts';
import type { AppState, GetState, SetState } from './types';

/** The store fields that hold a running job's id, or null when none runs. */
export type JobIdKey = 'exportJobId' | 'classifyJobId' | 'trainingJobId' | 'modelJobId' | 'importJobId';

export interface TrackedJob<M extends Method> {
  idKey: JobIdKey;
  method: M;
  args: ArgsOf<M>;
  /** The job bar's label. */
  label: string;
  /** What an error or a cancel is reported as (`Export: cancelled`). */
  context: string;
  /** The store fields that keep the result (the screen shows it). */
  keep(result: ResultOf<M>): Partial<AppState>;
  /** The success toast, or its colour and text where the result decides (an import that stored nothing is red). */
  success(result: ResultOf<M>): string | { kind: ToastKind; text: string };
  /** Work after the toast (Classify: the library changed); its failure is reported like the job's. */
  after?(result: ResultOf<M>): Promise<void>;
  /** Told the error (a cancel too) before it is reported: a screen that keeps saying why (Library's import card). */
  failed?(e: unknown): void;
  /** The form the job was started from: a value of it the core refused is its error, gone when the form changes. */
  form?: FormErrors;
}

/** Run `job`; its result, or null when it failed or was cancelled (the error already shown). */
export async function runTrackedJob<M extends Method>(set: SetState, get: GetState, job: TrackedJob<M>): Promise<ResultOf<M> | null> {
  const { id, promise } = get().startJob(job.method, job.args, { label: job.label });
  set({ [job.idKey]: id });
  try {
    const result = await promise;
    set(job.keep(result));
    const note = job.success(result);
    if (typeof note === 'string') get().toast('success', note);
    else get().toast(note.kind, note.text);
    await job.after?.(result);
    return result;
  } catch (e) {
    job.failed?.(e);
    const toastId = get().reportError(e, job.context);
    job.form?.reported(e, toastId);
    return null;
  } finally {
    if (get()[job.idKey] === id) set({ [job.idKey]: null });
  }
}
