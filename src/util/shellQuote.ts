/** `text` as one shell word: left alone when it is plain, else in single quotes (`it's` -> `'it'\''s'`). */
export function shellQuote(text: string): string {
  return /^[A-Za-z0-9_\/.,:=@%+-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
