/**
 * A pure function over a long list, on two threads: the second half on a worker thread
 * while this one does the first. The machine this runs on has two cores; normalizing a
 * quarter of a million texts is the kind of work that splits cleanly in two.
 *
 *   const out = await mapOnTwoThreads(TASKS.firstPassMany, texts, "full");
 *   // a task names an exported (items, args, progress?) => results function of a
 *   // module; both halves run that same code.
 *
 * Results come back in input order, so the output does not depend on the split.
 */
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";

export interface Task {
  /** URL of the module exporting the function. */
  readonly module: string;
  readonly name: string;
}

export type TaskProgress = (done: number, total: number) => void;

/** `progress`, given on this thread only, is told of the share done (this half stands for both). */
type TaskFn<T, R> = (items: readonly T[], args: unknown, progress?: TaskProgress) => R[];

/** `items.map(f)`, telling `progress` every few thousand items: the body of a task. */
export function mapReporting<T, R>(items: readonly T[], f: (item: T) => R, progress?: TaskProgress): R[] {
  const out = new Array<R>(items.length);
  for (let i = 0; i < items.length; i++) {
    if (progress && (i & 0xfff) === 0) progress(i, items.length);
    out[i] = f(items[i]!);
  }
  progress?.(items.length, items.length);
  return out;
}

/** Below this many items a worker's start-up costs more than it saves. */
const MIN_ITEMS = 4000;

async function load<T, R>(task: Task): Promise<TaskFn<T, R>> {
  const fn = ((await import(task.module)) as Record<string, unknown>)[task.name];
  if (typeof fn !== "function") throw new Error(`${task.module} exports no function ${task.name}`);
  return fn as TaskFn<T, R>;
}

export async function mapOnTwoThreads<T, R>(task: Task, items: readonly T[], args: unknown, progress?: TaskProgress): Promise<R[]> {
  const fn = await load<T, R>(task);
  if (items.length < MIN_ITEMS) return fn(items, args, progress);
  const half = Math.ceil(items.length / 2);
  const worker = new Worker(new URL(import.meta.url), { workerData: { parallelTask: task, items: items.slice(half), args } });
  const second = new Promise<R[]>((resolve, reject) => {
    worker.once("message", resolve);
    worker.once("error", reject);
    worker.once("exit", (code) => reject(new Error(`worker for ${task.name} exited with code ${code}`)));
  });
  second.catch(() => {}); // if this thread's half throws first, the worker's end is of no interest
  try {
    // This half's share done stands for the whole list's.
    const told = progress && ((done: number, total: number): void => progress(Math.round((done / Math.max(1, total)) * items.length), items.length));
    const first = fn(items.slice(0, half), args, told);
    return first.concat(await second);
  } finally {
    void worker.terminate();
  }
}

if (!isMainThread && (workerData as { parallelTask?: Task } | null)?.parallelTask) {
  const { parallelTask, items, args } = workerData as { parallelTask: Task; items: unknown[]; args: unknown };
  // Not a top-level await: task modules import this one, and an import cycle through a
  // module still awaiting at top level never finishes loading.
  void load<unknown, unknown>(parallelTask).then((fn) => parentPort!.postMessage(fn(items, args)));
}
