// Go's %q for the strings upstream embeds in its messages (`... for content X: "<inner error>"`).
// Tools and people compare these messages with upstream's, so the quoting must match for the
// printable text that appears in practice; JSON string escaping agrees with strconv.Quote there.

export function goQuote(s: string): string {
  return JSON.stringify(s);
}
