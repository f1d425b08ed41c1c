/**
 * The routes' JSON schemas: what /docs/openapi.json is built from. They document; they do
 * not validate or serialize (app.ts turns Fastify's compilers off for them), so that
 * validate.ts stays the one place a request is checked and its errors worded.
 */
const error = { type: "object", properties: { error: { type: "object", properties: { code: { type: "string" }, message: { type: "string" } }, required: ["code", "message"] } } } as const;
const span = { type: "object", properties: { start: { type: "integer" }, end: { type: "integer" }, text: { type: "string" }, weight: { type: "number" } } } as const;
const classification = {
  type: "object",
  properties: {
    id: { type: "string" },
    score: { type: "number", minimum: 0, maximum: 1, description: "calibrated probability that the text should be flagged (the policy's combination of the categories)" },
    flagged: { type: "boolean" },
    action: { type: "string", enum: ["allow", "review", "block"] },
    categories: { type: "object", additionalProperties: { type: "number" }, description: "calibrated probability per category" },
    lang: { type: "string" },
    model: { type: "string" },
    stage: { type: "string", description: "the cascade stage that answered: rules, linear, or fallback" },
    degraded: { type: "boolean", description: "true when the fallback answered (model error, open circuit, deadline)" },
    latency_ms: { type: "number" },
    explanation: { type: "array", items: span, description: "UTF-16 offsets into the text as sent; for flagged answers, or all with explain: true" },
    reason: { type: "string", description: "one plain-language sentence" },
    arm: { type: "string", enum: ["champion", "challenger"], description: "while an experiment runs" },
  },
} as const;
const errors = { 400: error, 401: error, 404: error, 409: error, 413: error, 415: error, 503: error } as const;

export const SCHEMAS = {
  classify: {
    summary: "Classify one text or a batch",
    body: {
      type: "object",
      properties: {
        text: { type: "string" },
        texts: { type: "array", items: { type: "string" } },
        id: { type: "string" },
        user: { type: "string", description: "sticky experiment assignment key" },
        deadline_ms: { type: "number", exclusiveMinimum: 0, description: "the request's budget (default and cap in config)" },
        explain: { type: "boolean", description: "explanations for every answer, not only flagged ones" },
      },
    },
    response: { 200: { oneOf: [classification, { type: "object", properties: { results: { type: "array", items: classification } } }] }, ...errors },
  },
  feedback: {
    summary: "A reviewer's label for an earlier classification (202: stored durably)",
    body: { type: "object", properties: { id: { type: "string" }, label: { type: "integer", enum: [0, 1] }, reviewer: { type: "string", maxLength: 200 }, category: { type: "string", description: "the category the label is about (abusive, hate, spam…); retraining teaches that head" } }, required: ["id", "label"] },
    response: { 202: { type: "object", properties: { id: { type: "string" }, label: { type: "integer" }, status: { type: "string" } } }, ...errors },
  },
  monitor: { summary: "Traffic, latency, drift, data quality, quality with and without labels, emerging terms over a window", querystring: { type: "object", properties: { window: { type: "string", pattern: "^\\d{1,5}[smhd]$" } } }, response: { 200: { type: "object", additionalProperties: true }, 400: error } },
  timeline: { summary: "Each closed monitoring window's figures, for charts", querystring: { type: "object", properties: { window: { type: "string" } } }, response: { 200: { type: "object", properties: { windows: { type: "array", items: { type: "object", additionalProperties: true } } } } } },
  alerts: {
    summary: "Alerts, firing first",
    response: { 200: { type: "object", properties: { alerts: { type: "array", items: { type: "object", properties: { name: { type: "string" }, state: { type: "string", enum: ["firing", "resolved"] }, since: { type: "string" }, value: { type: "number" }, threshold: { type: "number" }, message: { type: "string" } } } } } } },
  },
  loop: { summary: "The feedback loop: reviews waiting, labels per language, precision and recall on the random review sample, the last retrains", response: { 200: { type: "object", additionalProperties: true } } },
  retrain: { summary: "Start a retrain now (202), or record the request as skipped when one runs (409)", security: [{ bearer: [] }], response: { 202: { type: "object", additionalProperties: true }, 409: { type: "object", additionalProperties: true }, 401: error, 404: error } },
  admin: { summary: "Admin (Authorization: Bearer <WARDEN_ADMIN_TOKEN>)", security: [{ bearer: [] }], response: { 200: { type: "object", additionalProperties: true }, 201: { type: "object", additionalProperties: true }, ...errors } },
  experimentStart: {
    summary: "Start an A/B or shadow experiment (admin)",
    security: [{ bearer: [] }],
    body: { type: "object", properties: { name: { type: "string" }, challenger: { type: "string" }, mode: { type: "string", enum: ["ab", "shadow"] }, traffic: { type: "number" }, guardrails: { type: "object", additionalProperties: { type: "number" } } }, required: ["name", "challenger", "mode"] },
    response: { 201: { type: "object", additionalProperties: true }, ...errors },
  },
  plain: { summary: "Health, readiness, metrics, dashboard and model cards", response: { 200: {}, 503: error } },
} as const;
