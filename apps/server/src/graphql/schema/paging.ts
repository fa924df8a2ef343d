/** A list's `first` argument, kept within 1..max: lists are bounded whatever a client asks. */
export function pageSize(first: number | null | undefined, fallback: number, max: number): number {
  return Math.min(Math.max(first ?? fallback, 1), max);
}
