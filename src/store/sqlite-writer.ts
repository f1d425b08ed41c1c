/**
 * The prediction log's writes off the serving thread: a worker thread with its own
 * connection to the same database file (WAL lets it write while the serving thread
 * reads). A batch of a few hundred predictions costs milliseconds of SQLite work that
 * would otherwise stall every request in flight.
 *
 * Messages in: {id, rows}; out: {id} or {id, error}.
 */
import { parentPort, workerData } from "node:worker_threads";
import { insertPredictionRows, openConnection } from "./sqlite-rows.js";
import type { PredictionRecord } from "./types.js";

const db = openConnection((workerData as { path: string }).path);
parentPort!.on("message", ({ id, rows }: { id: number; rows: PredictionRecord[] }) => {
  try {
    insertPredictionRows(db, rows);
    parentPort!.postMessage({ id });
  } catch (err) {
    parentPort!.postMessage({ id, error: (err as Error).message });
  }
});
