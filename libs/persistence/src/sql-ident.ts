/** A PostgreSQL identifier (a schema name) quoted for SQL text. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
