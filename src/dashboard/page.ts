/** The page at `/`. A placeholder until the dashboard lands: it says what is served and where to look. */
import { escapeHtml } from "../html.js";

export function dashboardPage(modelVersion: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Warden</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#222}code{background:#f3f3f3;padding:0 .3em}</style>
</head><body>
<h1>Warden</h1>
<p>Serving model <code>${escapeHtml(modelVersion)}</code>.</p>
<p>Classify a message: <code>curl -H 'content-type: application/json' -d '{"text":"hello"}' http://127.0.0.1:8080/v1/classify</code></p>
<ul>
<li><a href="/readyz">/readyz</a>: is a model loaded and the store reachable</li>
<li><a href="/metrics">/metrics</a>: Prometheus metrics</li>
<li><a href="/v1/models/${escapeHtml(modelVersion)}/card">the model card</a>: what the model does, how accurate it is per language, when not to trust it</li>
</ul>
<p>The full dashboard (traffic, quality, drift, review queue) is on the roadmap.</p>
</body></html>`;
}
