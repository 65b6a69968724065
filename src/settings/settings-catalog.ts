import { notFound } from '../common/errors/domain-error';
import { SETTINGS_SCHEMA, type SettingField, type SettingSection } from './settings-schema';

/** Lookups into the schema that answer 404/400 naming what is unknown. */
export function requireScope(scope: string): SettingSection[] {
  const sections = SETTINGS_SCHEMA[scope];
  if (!sections) {
    throw notFound('SETTINGS_SCOPE_NOT_FOUND', `Unknown settings scope '${scope}'.`, {
      scope,
      known_scopes: Object.keys(SETTINGS_SCHEMA),
    });
  }
  return sections;
}

export function requireSection(scope: string, section: string): SettingSection {
  const sections = requireScope(scope);
  const found = sections.find((s) => s.name === section);
  if (!found) {
    throw notFound(
      'SETTINGS_SECTION_NOT_FOUND',
      `Unknown settings section '${section}' in scope '${scope}'.`,
      {
        scope,
        section,
        known_sections: sections.map((s) => s.name),
      },
    );
  }
  return found;
}

export function findField(scope: string, section: string, key: string): SettingField | undefined {
  return SETTINGS_SCHEMA[scope]?.find((s) => s.name === section)?.fields.find((f) => f.key === key);
}

/** The AAD a secret setting is sealed with: a ciphertext moved to another row does not open. */
export const secretContext = (scope: string, section: string, key: string) =>
  `settings:${scope}/${section}/${key}`;

/** What responses, audit rows and events show instead of a secret. */
export const SECRET_MASK = '***';
export const maskSecret = (value: string) => (value === '' ? '' : SECRET_MASK);
