/**
 * Language identification. A first version over tinyld (pure JS, no downloads);
 * returns an ISO 639-1 code or "unknown" when the text is too short or unclear.
 */
import { detect } from "tinyld";

export function detectLanguage(text: string): string {
  if (text.trim().length < 2) return "unknown";
  const lang = detect(text);
  return lang === "" ? "unknown" : lang;
}
