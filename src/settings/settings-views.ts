import type { AppConfig } from '../config/app-config.schema';
import type { RuntimeSettings } from './runtime-settings.service';
import { SECRET_MASK } from './settings-catalog';
import type { SettingField, SettingSection, SettingValue } from './settings-schema';
import type { SettingFieldDto, SettingSectionDto } from './settings.dto';
import { formatSettingValue } from './setting-values';

/** A section's effective values as the API shows them: canonical strings, secrets masked. */
export function sectionValues(runtime: RuntimeSettings, section: SettingSection): Record<string, string> {
  return Object.fromEntries(
    section.fields.map((f) => [f.key, shownValue(f, runtime.get(section.name, f.key))] as const),
  );
}

export function shownValue(field: SettingField, value: SettingValue): string {
  const text = formatSettingValue(value);
  return field.secret && text !== '' ? SECRET_MASK : text;
}

export function sectionSchema(section: SettingSection, config: AppConfig): SettingSectionDto {
  return {
    name: section.name,
    label: section.label,
    description: section.description,
    fields: section.fields.map((f) => fieldSchema(f, config)),
  };
}

function fieldSchema(field: SettingField, config: AppConfig): SettingFieldDto {
  const fallback = field.fromConfig(config);
  return {
    key: field.key,
    label: field.label,
    type: field.type,
    default: field.secret ? shownValue(field, fallback) : fallback,
    secret: field.secret === true,
    apply: field.apply,
    restart_required: field.apply === 'restart',
    description: field.description,
    ...(field.choices?.length ? { choices: [...field.choices] } : {}),
    ...(field.min !== undefined ? { min: field.min } : {}),
    ...(field.max !== undefined ? { max: field.max } : {}),
  };
}
