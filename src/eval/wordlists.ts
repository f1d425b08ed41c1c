/** Word-list profanity filters for comparison (being written). */
export interface WordListFilter {
  readonly name: string;
  readonly version: string;
  flag(text: string): boolean;
}

export async function loadWordListFilters(): Promise<{ filters: WordListFilter[]; missing: string[] }> {
  return { filters: [], missing: [] };
}
