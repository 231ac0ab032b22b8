/**
 * Text for HTML and SVG (content and double-quoted attributes): the markup
 * characters escaped, and the control characters XML 1.0 forbids dropped (an
 * SVG image with one is not rendered at all).
 */
export function escapeMarkup(s: string): string {
  return s
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
}
