import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configReference, configReferenceMarkdown } from './config-reference';

describe('configuration reference', () => {
  it('lists the core variables with their defaults', () => {
    const byName = new Map(configReference().map((v) => [v.name, v]));

    expect(byName.get('ARTENIC_PORT')).toEqual({ name: 'ARTENIC_PORT', type: 'integer', default: '`8000`' });
    expect(byName.get('ARTENIC_HTTP_ADAPTER')?.type).toBe('fastify \\| express');
    expect(byName.get('ARTENIC_BUDGET__ENFORCEMENT_MODE')?.default).toBe('`block`');
  });

  it('is what the README documents (regenerate with `npm run build && node scripts/config-docs.js`)', () => {
    const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');

    expect(readme).toContain(configReferenceMarkdown());
  });
});
