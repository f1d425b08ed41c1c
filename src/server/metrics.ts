/** Prometheus metrics of one server process (prom-client, own registry). */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export class ServerMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: "warden_http_requests_total",
    help: "HTTP requests by route and status code.",
    labelNames: ["route", "status"] as const,
    registers: [this.registry],
  });
  readonly latency = new Histogram({
    name: "warden_http_request_duration_seconds",
    help: "HTTP request latency by route.",
    labelNames: ["route"] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2],
    registers: [this.registry],
  });
  readonly stageLatency = new Histogram({
    name: "warden_stage_duration_seconds",
    help: "Time spent in each classify stage.",
    labelNames: ["stage"] as const,
    buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1],
    registers: [this.registry],
  });
  readonly classifications = new Counter({
    name: "warden_classifications_total",
    help: "Classified texts by action.",
    labelNames: ["action"] as const,
    registers: [this.registry],
  });
  readonly modelInfo = new Gauge({
    name: "warden_model_info",
    help: "The model version being served (value 1).",
    labelNames: ["version"] as const,
    registers: [this.registry],
  });
  readonly logDropped = new Counter({
    name: "warden_prediction_log_dropped_total",
    help: "Prediction log records dropped because the buffer was full or the store failed.",
    registers: [this.registry],
  });
  readonly reviewMarksMissed = new Counter({
    name: "warden_review_marks_missed_total",
    help: "Messages a shadow challenger flagged differently that could not be sent to review: the prediction log no longer held them.",
    registers: [this.registry],
  });
  readonly feedback = new Counter({
    name: "warden_feedback_total",
    help: "Feedback labels accepted.",
    labelNames: ["label"] as const,
    registers: [this.registry],
  });

  readonly championSyncErrors = new Counter({
    name: "warden_champion_sync_errors_total",
    help: "Failed attempts to load the registry's champion (the current model keeps serving).",
    registers: [this.registry],
  });

  readonly alertFiring = new Gauge({
    name: "warden_alert_firing",
    help: "1 while the monitoring alert is firing, 0 once resolved.",
    labelNames: ["name"] as const,
    registers: [this.registry],
  });
  readonly shed = new Counter({
    name: "warden_shed_total",
    help: "Requests answered 503 at once because the server was overloaded, by reason.",
    labelNames: ["reason"] as const,
    registers: [this.registry],
  });
  readonly degraded = new Counter({
    name: "warden_degraded_total",
    help: "Answers given by the fallback instead of the model, by reason (model error, circuit open, deadline).",
    labelNames: ["reason"] as const,
    registers: [this.registry],
  });
  readonly monitorDropped = new Gauge({
    name: "warden_monitor_dropped",
    help: "Observations the monitor dropped since start because its queue was full (serving never waits for it).",
    registers: [this.registry],
  });
  readonly alertWebhookErrors = new Counter({
    name: "warden_alert_webhook_errors_total",
    help: "Alert webhook calls that failed or timed out.",
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: "warden_" });
  }

  setModel(version: string): void {
    this.modelInfo.reset();
    this.modelInfo.set({ version }, 1);
  }
}
