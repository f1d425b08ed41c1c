/**
 * The dashboard's page at `/`: a static shell; public/dashboard.js fills it from the API
 * and refreshes it every few seconds. Scripts and styles come from this server only
 * (uPlot from its npm package), under a content security policy that allows nothing
 * inline, so message text can never run as code.
 */
export const DASHBOARD_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-src 'self'; base-uri 'none'; form-action 'none'";

export function dashboardPage(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Warden</title><link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/uplot.css"><link rel="stylesheet" href="/assets/dashboard.css">
</head><body>
<header><h1>Warden</h1><span id="model" class="pill">model …</span><span id="alerts-count" class="pill">alerts …</span>
<nav>
<button data-tab="overview" class="active">Overview</button><button data-tab="quality">Quality</button><button data-tab="drift">Drift</button>
<button data-tab="review">Review queue</button><button data-tab="loop">Loop</button><button data-tab="experiments">Experiments</button><button data-tab="models">Models</button>
</nav>
<label class="token">admin token <input id="token" type="password" autocomplete="off" placeholder="for review, experiments, models"></label>
</header>
<main>
<section id="overview" class="tab active">
  <div id="firing" class="alerts"></div>
  <div class="cards" id="totals"></div>
  <figure><div id="chart-traffic" class="chart"></div><figcaption>Messages per window, and requests turned away because the server was overloaded (shed: should stay at zero).</figcaption></figure>
  <figure><div id="chart-latency" class="chart"></div><figcaption>Time to classify a message (p50: half are faster; p99: all but 1 in 100 are faster), in milliseconds.</figcaption></figure>
  <figure><div id="chart-rates" class="chart"></div><figcaption>Share of messages flagged, sent to review and blocked, answered by the fallback (degraded: should stay at zero), and answered by the model's second stage because the first was unsure (about one in five on the training data's held-out part; a rising share means the traffic is moving away from what the model knows). A jump in the flagged share without a jump in traffic is worth a look.</figcaption></figure>
</section>
<section id="quality" class="tab">
  <figure><div id="chart-quality" class="chart"></div><figcaption>Precision (of the messages flagged, the share reviewers confirmed) and recall (of the messages reviewers marked abusive, the share flagged), beside the model's own estimate from its calibrated scores, which needs no labels.</figcaption></figure>
  <figure><div id="chart-quality-lang" class="chart"></div><figcaption>Precision from reviewers' labels over time, one line per language (windows with labels only).</figcaption></figure>
  <h2>By language (last hour)</h2><table id="quality-lang"></table>
  <h2>How much of the traffic is positive (last hour, estimated without labels)</h2><table id="base-rates"></table>
  <p class="note" id="base-rate-advice">Each category's share of positive messages in the traffic, estimated from the scores as if only the mix had changed since validation, beside the share in the validation data the model's thresholds were chosen on (for this traffic's languages). Where the traffic's share is far lower, most flags are innocent: set the category's <code>policy.thresholds.&lt;category&gt;.baseRate</code> (docs/configuration.md) and confirm with labels on the random sample.</p>
  <figure><div id="chart-calibration" class="chart"></div><figcaption>Calibration against reviewers' labels (last hour): for labelled messages grouped by score, the share reviewers marked abusive. On the dashed diagonal a score of 0.8 is right 8 times in 10. The <a id="card-link" href="#">model card</a> has the same plot on test data.</figcaption></figure>
</section>
<section id="drift" class="tab">
  <figure><div id="chart-psi" class="chart"></div><figcaption>How far the scores (PSI) and the language mix (Jensen–Shannon) moved from the reference; the dashed lines are the alert thresholds.</figcaption></figure>
  <h2>Data quality (last hour)</h2><table id="data-quality"></table>
  <h2>Emerging terms</h2><p class="note">Words whose share among flagged messages rose most against the reference: new slang to look at.</p><ol id="terms"></ol>
</section>
<section id="review" class="tab">
  <p class="note">Messages sent to review (flagged, drawn at random, or near a threshold) that nobody has labelled. The highlighted words drove the score. Keys: <kbd>j</kbd>/<kbd>k</kbd> move, <kbd>1</kbd> abusive, <kbd>0</kbd> not abusive.</p>
  <ol id="queue"></ol>
</section>
<section id="loop" class="tab">
  <div class="cards" id="loop-cards"></div>
  <p class="note" id="loop-waiting"></p>
  <h2>Precision and recall, measured on the random review sample</h2>
  <p class="note">Only messages drawn at random count here: reviewers otherwise see mostly flagged messages, which say nothing about what the model missed. Each figure with its 95% interval.</p>
  <table id="loop-quality"></table>
  <h2>Labels gathered, by language</h2><table id="loop-labels"></table>
  <h2>Retrains</h2><p class="note" id="loop-last"></p><table id="loop-retrains"></table>
</section>
<section id="experiments" class="tab"><div id="experiment-list"></div></section>
<section id="models" class="tab"><table id="model-list"></table></section>
</main>
<script src="/assets/uplot.js"></script><script src="/assets/dashboard.js"></script>
</body></html>`;
}
