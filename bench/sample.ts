/**
 * The benchmark's messages: the first PER_DATASET lines of every shared test split
 * (../shared/data/<dataset>/test.jsonl, datasets in name order), so every run on the same
 * data measures the same texts. Without the shared data, a small built-in list.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

export const PER_DATASET = 500;

export interface Sample {
  readonly texts: string[];
  /** Dataset name → messages taken from it (empty for the built-in list). */
  readonly datasets: ReadonlyArray<{ name: string; count: number }>;
  readonly fromSharedData: boolean;
  readonly utf8Bytes: number;
  readonly chars: number;
}

/** Used only when ../shared/data is missing: a few languages, scripts and evasions. */
const BUILT_IN = [
  "Thanks for the help yesterday, see you at the meeting tomorrow.",
  "you are a complete idiot and everyone knows it",
  "Ｙｏｕ ａｒｅ ａｎ 1d10t",
  "Free entry in a weekly competition! Text WIN to 80085 now to claim your prize",
  "Du bist so ein Idiot, halt einfach den Mund.",
  "Merci beaucoup pour votre aide, bonne journée !",
  "Eres un imbécil, no sabes nada.",
  "Ты просто тупой, отстань от меня.",
  "这种人真恶心，滚出去",
  "今日はとても良い天気ですね。",
  "정말 재미있는 영화였어요, 또 보고 싶네요.",
  "يا جماعة الخير، شكراً على المساعدة",
  "Bu maç harikaydı, tebrikler!",
  "s t u p i d people everywhere",
  "Xin chào, hôm nay bạn thế nào?",
  "Ale to był dobry mecz, gratulacje dla drużyny.",
];

function fromTexts(texts: string[], datasets: Array<{ name: string; count: number }>, fromSharedData: boolean): Sample {
  let utf8Bytes = 0;
  let chars = 0;
  for (const t of texts) {
    utf8Bytes += Buffer.byteLength(t, "utf8");
    chars += t.length;
  }
  return { texts, datasets, fromSharedData, utf8Bytes, chars };
}

export function loadSample(sharedDir: string, perDataset = PER_DATASET): Sample {
  const texts: string[] = [];
  const datasets: Array<{ name: string; count: number }> = [];
  if (existsSync(sharedDir)) {
    const names = readdirSync(sharedDir, { withFileTypes: true })
      .filter((d) => d.isDirectory() && existsSync(join(sharedDir, d.name, "test.jsonl")))
      .map((d) => d.name)
      .sort();
    for (const name of names) {
      const lines = readFileSync(join(sharedDir, name, "test.jsonl"), "utf8").split("\n").slice(0, perDataset);
      let count = 0;
      for (const line of lines) {
        if (line.trim() === "") continue;
        try {
          const rec = JSON.parse(line) as { text?: unknown };
          if (typeof rec.text === "string" && /\S/.test(rec.text)) {
            texts.push(rec.text);
            count++;
          }
        } catch {
          // a malformed line is skipped, not fatal
        }
      }
      if (count > 0) datasets.push({ name, count });
    }
  }
  if (texts.length > 0) return fromTexts(texts, datasets, true);
  return fromTexts([...BUILT_IN], [], false);
}
