import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { FastifyInstance } from "fastify";
import { parseConfig } from "../../src/config.js";
import { startServer } from "../../src/server/start.js";

// Abusive and friendly messages, written for this test (not from any dataset), in
// English and the shared data's other languages.
const PAIRS: Array<[lang: string, abusive: string, friendly: string]> = [
  ["en", "you are a stupid idiot, shut up", "thank you so much, have a lovely day"],
  ["de", "Du bist ein dummer Idiot, halt die Fresse", "Vielen Dank, ich wünsche dir einen schönen Tag"],
  ["tr", "Sen tam bir aptalsın, kapa çeneni salak", "Çok teşekkür ederim, iyi günler dilerim"],
  ["ru", "ты тупой идиот, заткнись", "спасибо большое, хорошего дня"],
  ["id", "Kamu bodoh sekali, dasar anjing", "Terima kasih banyak, semoga harimu menyenangkan"],
  ["pt", "Você é um idiota burro, cala a boca", "Muito obrigado, tenha um ótimo dia"],
  ["pl", "Jesteś głupim idiotą, zamknij się", "Dziękuję bardzo, miłego dnia"],
  ["el", "Είσαι ηλίθιος μαλάκας", "Ευχαριστώ πολύ, καλή σου μέρα"],
];

describe("the shipped default model over HTTP (npm start)", () => {
  let app: FastifyInstance;
  let url: string;
  let dataDir: string;
  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "warden-default-"));
    ({ app, url } = await startServer({ dataDir, port: 0, host: "127.0.0.1", config: parseConfig({}), logger: false }));
  });
  after(async () => {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function classify(text: string): Promise<Record<string, unknown>> {
    const res = await fetch(`${url}/v1/classify`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ text }) });
    assert.equal(res.status, 200);
    return (await res.json()) as Record<string, unknown>;
  }

  for (const [lang, abusive, friendly] of PAIRS) {
    it(`${lang}: abusive above 0.5, friendly below`, async () => {
      const bad = await classify(abusive);
      const good = await classify(friendly);
      assert.ok((bad.score as number) > 0.5, `${lang} abusive scored ${bad.score}`);
      assert.ok((good.score as number) < 0.5, `${lang} friendly scored ${good.score}`);
      assert.equal(bad.flagged, true);
      assert.equal(good.action, "allow");
    });
  }

  it("answers with every field of the contract", async () => {
    const r = await classify("you are a stupid idiot");
    for (const key of ["id", "score", "flagged", "action", "categories", "lang", "model", "stage", "degraded", "latency_ms", "explanation"]) {
      assert.ok(key in r, `missing ${key}`);
    }
    const spans = r.explanation as Array<{ start: number; end: number; text: string; weight: number }>;
    assert.ok(spans.length > 0);
    for (const s of spans) assert.equal("you are a stupid idiot".slice(s.start, s.end), s.text);
    assert.ok(spans.some((s) => s.text === "idiot" || s.text === "stupid"), JSON.stringify(spans));
  });
});
