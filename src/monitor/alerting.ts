/**
 * Where alert changes go: the store (so a restart remembers what fires), a webhook when
 * one is configured (POSTed JSON, 5 s timeout, failures counted, never retried into a
 * storm), and the `warden_alert_firing` metric.
 */
import type { Gauge, Counter } from "prom-client";
import type { Store } from "../store/types.js";
import type { AlertState } from "./alerts.js";

export function alertSink(store: Store, webhookUrl: string | undefined, firing: Gauge<"name">, webhookErrors: Counter): (changes: AlertState[]) => void {
  return (changes) => {
    for (const a of changes) {
      firing.set({ name: a.name }, a.state === "firing" ? 1 : 0);
      void store.putAlert(a).catch(() => {});
    }
    if (webhookUrl) {
      void fetch(webhookUrl, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ alerts: changes }), signal: AbortSignal.timeout(5000) })
        .then((res) => {
          if (!res.ok) webhookErrors.inc();
        })
        .catch(() => webhookErrors.inc());
    }
  };
}
