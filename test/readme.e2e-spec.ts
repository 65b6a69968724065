import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { apiOverviewMarkdown } from '@app/bootstrap/api-overview';
import { buildOpenApiDocument } from '@app/bootstrap/openapi';
import { startApp } from './support/test-app';

describe('README', () => {
  it('lists every API operation (regenerate with `npm run docs`)', async () => {
    const t = await startApp();
    const overview = apiOverviewMarkdown(buildOpenApiDocument(t.app));
    await t.close();

    const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');

    expect(readme).toContain(overview);
  });
});
