/** What the list endpoint needs from a reply on either adapter (Fastify reply and Express response both have it). */
export interface HeaderSink {
  header(name: string, value: string): unknown;
}

/** RFC 8288 `Link` header with `next`/`prev` pages for an offset-paged list, or undefined if one page. */
export function pageLinks(
  requestUrl: string,
  offset: number,
  limit: number,
  total: number,
): string | undefined {
  const url = new URL(requestUrl, 'http://placeholder');
  const at = (o: number) => {
    url.searchParams.set('offset', String(o));
    url.searchParams.set('limit', String(limit));
    return `<${url.pathname}${url.search}>`;
  };
  const links: string[] = [];
  if (offset + limit < total) links.push(`${at(offset + limit)}; rel="next"`);
  if (offset > 0) links.push(`${at(Math.max(0, offset - limit))}; rel="prev"`);
  return links.length ? links.join(', ') : undefined;
}
