/**
 * A small document model for reports (headings, paragraphs, lists, tables, figures) and
 * its two renderings: Markdown for the repository and HTML for people. Inline text may
 * use **bold** and `code`; everything else is text, escaped in HTML, so nothing from a
 * dataset or a message can become markup.
 */
import { escapeHtml } from "../html.js";

export type Block =
  | { readonly kind: "heading"; readonly level: 1 | 2 | 3; readonly text: string }
  | { readonly kind: "paragraph"; readonly text: string }
  | { readonly kind: "list"; readonly items: readonly string[] }
  | { readonly kind: "table"; readonly head: readonly string[]; readonly rows: ReadonlyArray<readonly string[]>; readonly numeric?: readonly boolean[] }
  | { readonly kind: "figure"; readonly svg: string; readonly caption: string }
  | { readonly kind: "code"; readonly text: string };

export const heading = (level: 1 | 2 | 3, text: string): Block => ({ kind: "heading", level, text });
export const paragraph = (text: string): Block => ({ kind: "paragraph", text });
export const list = (items: readonly string[]): Block => ({ kind: "list", items });
export const table = (head: readonly string[], rows: ReadonlyArray<readonly string[]>, numeric?: readonly boolean[]): Block => ({ kind: "table", head, rows, ...(numeric ? { numeric } : {}) });
export const figure = (svg: string, caption: string): Block => ({ kind: "figure", svg, caption });
export const code = (text: string): Block => ({ kind: "code", text });

const mdCell = (s: string): string => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

export function toMarkdown(blocks: readonly Block[]): string {
  const out: string[] = [];
  for (const b of blocks) {
    switch (b.kind) {
      case "heading":
        out.push(`${"#".repeat(b.level)} ${b.text}`, "");
        break;
      case "paragraph":
        out.push(b.text, "");
        break;
      case "list":
        out.push(...b.items.map((i) => `- ${i}`), "");
        break;
      case "table":
        out.push(`| ${b.head.map(mdCell).join(" | ")} |`, `|${b.head.map((_, i) => (b.numeric?.[i] ? "---:" : "---")).join("|")}|`, ...b.rows.map((r) => `| ${r.map(mdCell).join(" | ")} |`), "");
        break;
      case "figure":
        // Markdown readers get the caption; the HTML card carries the drawing.
        out.push(`*Figure: ${b.caption} (drawn in the HTML card).*`, "");
        break;
      case "code":
        out.push("```", b.text, "```", "");
        break;
    }
  }
  return out.join("\n");
}

/** Escape, then turn **bold** and `code` into markup (they cannot span an escape). */
function inline(s: string): string {
  return escapeHtml(s)
    .replace(/`([^`]+)`/g, "<code>$1</code>")
    .replace(/\*\*([^*]+)\*\*/g, "<strong>$1</strong>");
}

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;max-width:62rem;margin:2rem auto;padding:0 1rem;color:#1d1d1f}
h1{font-size:1.8rem}h2{margin-top:2.2rem;border-bottom:1px solid #ddd}table{border-collapse:collapse;margin:.5rem 0 1rem;font-size:.92rem}
th,td{border:1px solid #ddd;padding:.25rem .55rem;text-align:left}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
th{background:#f5f5f7}code{background:#f5f5f7;padding:0 .2rem;border-radius:3px}pre{background:#f5f5f7;padding:.8rem;overflow:auto}
figure{margin:1rem 0}figcaption{color:#555;font-size:.9rem}.card-first{background:#f0f6ff;border-radius:8px;padding:.5rem 1.2rem}`;

/** A whole HTML page; `firstScreen` blocks are set apart as the summary for non-experts. */
export function toHtml(title: string, firstScreen: readonly Block[], rest: readonly Block[]): string {
  const render = (blocks: readonly Block[]): string =>
    blocks
      .map((b) => {
        switch (b.kind) {
          case "heading":
            return `<h${b.level}>${inline(b.text)}</h${b.level}>`;
          case "paragraph":
            return `<p>${inline(b.text)}</p>`;
          case "list":
            return `<ul>${b.items.map((i) => `<li>${inline(i)}</li>`).join("")}</ul>`;
          case "table": {
            const cls = (i: number): string => (b.numeric?.[i] ? ' class="n"' : "");
            return `<table><thead><tr>${b.head.map((h, i) => `<th${cls(i)}>${inline(h)}</th>`).join("")}</tr></thead><tbody>${b.rows
              .map((r) => `<tr>${r.map((c, i) => `<td${cls(i)}>${inline(c)}</td>`).join("")}</tr>`)
              .join("")}</tbody></table>`;
          }
          case "figure":
            return `<figure>${b.svg}<figcaption>${inline(b.caption)}</figcaption></figure>`;
          case "code":
            return `<pre><code>${escapeHtml(b.text)}</code></pre>`;
        }
      })
      .join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><section class="card-first">
${render(firstScreen)}
</section>
${render(rest)}
</body></html>
`;
}
