// The registry's keyword rule as the forms check it while one types (docs/words.md): 2-32 bytes of
// [a-z0-9]+(-[a-z0-9]+)*, nothing rewritten, at most one active style per keyword.

export const KEYWORD = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/** Why a keyword is refused (the registry's rule and uniqueness), or null. */
export function keywordProblem(word: string, taken: Map<string, number>, mine: Set<number>): string | null {
  const bytes = new TextEncoder().encode(word).length;
  if (bytes < 2 || bytes > 32) return `2–32 bytes (this is ${bytes})`;
  if (!KEYWORD.test(word)) return /[A-Z]/.test(word) ? "lower case only (nothing is rewritten)" : "only a–z, 0–9 and single “-” between them";
  const owner = taken.get(word);
  if (owner !== undefined && !mine.has(owner)) return `already names style #${owner}`;
  return null;
}

export function splitKeywords(text: string): string[] {
  return text.split(/[,\s]+/).map((k) => k.trim()).filter(Boolean);
}

