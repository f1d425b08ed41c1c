/**
 * Persistence behind one async interface. SQLite is the default; a PostgreSQL
 * implementation of the same interface lets replicas share state.
 */
export interface PredictionRecord {
  readonly id: string;
  readonly ts: number;
  readonly model: string;
  readonly stage: string;
  readonly score: number;
  readonly action: string;
  readonly categories: Record<string, number>;
  readonly lang: string;
  readonly latencyMs: number;
  readonly textHash: string;
  /** Kept only where the retention setting allows it. */
  readonly text: string | null;
  /** The experiment arm that answered, when an experiment ran. */
  readonly arm: string | null;
  /** Whether the text disguised its words (confusables, leet, split or stretched letters). */
  readonly evasion: boolean;
  /** Why it went to the review queue (null: it did not); loop/sampling.ts. */
  readonly review: ReviewReason | null;
}

/**
 * `random`: drawn uniformly from all traffic, whatever the model said (the unbiased
 * sample); `flagged`: sent to review or blocked; `uncertain`: allowed but near a threshold;
 * `disagreement`: allowed, but a shadow challenger would have flagged it.
 */
export type ReviewReason = "random" | "flagged" | "uncertain" | "disagreement";

export interface FeedbackRecord {
  readonly id: string;
  readonly label: 0 | 1;
  readonly ts: number;
  /** Who gave the label, when the client says. */
  readonly reviewer: string | null;
  /** The category the label is about (a head such as `abusive`), when the reviewer names it. */
  readonly category: string | null;
}

/** Labelled predictions counted by language, review reason, what the model did and the label (the latest label per prediction). */
export interface FeedbackCount {
  readonly lang: string;
  readonly review: ReviewReason | null;
  readonly flagged: boolean;
  readonly label: 0 | 1;
  readonly n: number;
}

/** One retrain (loop/retrain.ts): what started it and how it ended. */
export interface RetrainRecord {
  readonly id: number;
  /** `manual`, `schedule`, or `alert:<name>`. */
  readonly trigger: string;
  /** `skipped`: another retrain was running when this trigger came. */
  readonly state: "running" | "succeeded" | "failed" | "skipped";
  readonly startedAt: number;
  readonly finishedAt: number | null;
  readonly candidate: string | null;
  readonly gate: "passed" | "failed" | null;
  readonly experiment: string | null;
  readonly message: string;
}

export type RetrainOutcome = Pick<RetrainRecord, "candidate" | "gate" | "experiment" | "message"> & { readonly state: "succeeded" | "failed" };

export interface ModelRecord {
  readonly version: string;
  readonly sha256: string;
  readonly path: string;
  readonly createdAt: number;
  readonly meta: Record<string, unknown>;
}

export interface ChampionChange {
  readonly version: string;
  readonly ts: number;
  readonly reason: string;
}

/** An experiment's definition and state, shared by every replica through the store. */
export interface ExperimentRecord {
  readonly name: string;
  /** The ExperimentSpec as JSON (experiments/experiment.ts). */
  readonly spec: Record<string, unknown>;
  readonly state: "running" | "stopped";
  readonly stoppedBy: string | null;
  /** The status when it was last written by a server that ran it (null before). */
  readonly result: Record<string, unknown> | null;
  readonly updatedAt: number;
}

/** An alert's last state (monitor/alerts.ts), kept so a restart does not forget what fired. */
export interface AlertRecord {
  readonly name: string;
  readonly state: "firing" | "resolved";
  readonly since: string;
  readonly value: number;
  readonly threshold: number;
  readonly message: string;
}

/** A replica's closed monitoring window (monitor/window.ts `WindowState` as JSON), so that every replica's figures add up. */
export interface MonitorWindowRecord {
  readonly replica: string;
  readonly end: number;
  readonly state: Record<string, unknown>;
}

export interface Store {
  /** Answers when the store is reachable (readiness). */
  ping(): Promise<void>;
  insertPredictions(rows: readonly PredictionRecord[]): Promise<void>;
  getPrediction(id: string): Promise<PredictionRecord | null>;
  insertFeedback(row: FeedbackRecord): Promise<void>;
  /** Feedback joined to its prediction (null where the prediction is not logged). */
  listFeedback(limit: number): Promise<Array<FeedbackRecord & { prediction: PredictionRecord | null }>>;
  /** Insert, or replace the path and meta of the same version (its created time stays). */
  putModel(model: ModelRecord): Promise<void>;
  getModel(version: string): Promise<ModelRecord | null>;
  listModels(): Promise<ModelRecord[]>;
  pushChampion(change: ChampionChange): Promise<void>;
  /** Newest first. */
  championHistory(limit: number): Promise<ChampionChange[]>;
  /** Predictions sent to review (any reason) whose text was kept and that nobody has labelled yet, newest first. */
  listReviewQueue(limit: number): Promise<PredictionRecord[]>;
  /** How many such predictions wait. */
  countReviewQueue(): Promise<number>;
  countFeedback(): Promise<FeedbackCount[]>;
  /**
   * Start a retrain for `trigger` unless one is running: returns the new `running`
   * record, or a `skipped` record naming the one that runs. Atomic across processes
   * sharing the store. A running record older than `staleMs` is first closed as failed
   * (its process died).
   */
  claimRetrain(trigger: string, now: number, staleMs: number): Promise<RetrainRecord>;
  finishRetrain(id: number, outcome: RetrainOutcome, now: number): Promise<void>;
  getRetrain(id: number): Promise<RetrainRecord | null>;
  /** Newest first. */
  listRetrains(limit: number): Promise<RetrainRecord[]>;
  putMonitorWindow(w: MonitorWindowRecord): Promise<void>;
  /** Windows that closed at or after `since` on replicas other than `exceptReplica`, oldest first. */
  listMonitorWindows(since: number, exceptReplica: string): Promise<MonitorWindowRecord[]>;
  /** Forget windows that closed before `before` (retention). */
  deleteMonitorWindows(before: number): Promise<void>;
  /** Insert or replace by name. */
  putAlert(a: AlertRecord): Promise<void>;
  listAlerts(): Promise<AlertRecord[]>;
  /** Insert or replace by name. */
  putExperiment(e: ExperimentRecord): Promise<void>;
  getExperiment(name: string): Promise<ExperimentRecord | null>;
  /** Update only the last recorded figures (a server's periodic snapshot never undoes a stop made elsewhere). */
  setExperimentResult(name: string, result: Record<string, unknown>, updatedAt: number): Promise<void>;
  /** Newest first. */
  listExperiments(): Promise<ExperimentRecord[]>;
  close(): Promise<void>;
}
