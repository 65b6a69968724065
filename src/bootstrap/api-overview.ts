import type { OpenAPIObject } from '@nestjs/swagger';

/** The README's API overview: one line per operation, grouped by tag, from the OpenAPI document. */
export function apiOverviewMarkdown(document: OpenAPIObject): string {
  const byTag = new Map<string, string[]>();
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, op] of Object.entries(
      item as Record<string, { tags?: string[]; summary?: string }>,
    )) {
      if (!op || typeof op !== 'object' || !['get', 'post', 'put', 'patch', 'delete'].includes(method))
        continue;
      const tag = op.tags?.[0] ?? 'other';
      const line = `| ${method.toUpperCase()} | \`${path}\` | ${(op.summary ?? '').replace(/\|/g, '\\|')} |`;
      byTag.set(tag, [...(byTag.get(tag) ?? []), line]);
    }
  }
  return [...byTag.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(
      ([tag, lines]) => `**${tag}**\n\n| method | path | what it does |\n|---|---|---|\n${lines.join('\n')}`,
    )
    .join('\n\n');
}
