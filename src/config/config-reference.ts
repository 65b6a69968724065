import { z } from 'zod';
import { appConfigSchema } from './app-config.schema';
import { envVarName } from './env-parsing';

export interface ConfigVariable {
  name: string;
  type: string;
  default: string;
}

/** Every `ARTENIC_*` variable with its type and default, read from the schema (the README's table). */
export function configReference(): ConfigVariable[] {
  const out: ConfigVariable[] = [];
  walk(appConfigSchema, [], out);
  return out;
}

function walk(schema: z.ZodTypeAny, path: string[], out: ConfigVariable[]): void {
  const { inner, fallback } = unwrap(schema);
  if (
    inner instanceof z.ZodObject &&
    path.length < 3 &&
    !isFreeForm(inner.shape as Record<string, unknown>)
  ) {
    for (const [key, child] of Object.entries(inner.shape as Record<string, z.ZodTypeAny>)) {
      walk(child, [...path, key], out);
    }
    return;
  }
  out.push({ name: envVarName(path), type: describeType(inner), default: formatDefault(path, fallback) });
}

function isFreeForm(shape: Record<string, unknown>): boolean {
  return Object.keys(shape).length === 0;
}

function unwrap(schema: z.ZodTypeAny): { inner: z.ZodTypeAny; fallback: unknown } {
  let current = schema;
  let fallback: unknown;
  for (;;) {
    if (current instanceof z.ZodDefault) {
      fallback ??= (current._def as { defaultValue: () => unknown }).defaultValue();
      current = (current._def as { innerType: z.ZodTypeAny }).innerType;
    } else if (current instanceof z.ZodEffects) {
      current = (current._def as { schema: z.ZodTypeAny }).schema;
    } else if (current instanceof z.ZodOptional || current instanceof z.ZodNullable) {
      current = (current._def as { innerType: z.ZodTypeAny }).innerType;
    } else {
      return { inner: current, fallback };
    }
  }
}

function describeType(schema: z.ZodTypeAny): string {
  if (schema instanceof z.ZodEnum) return (schema.options as string[]).join(' \\| ');
  if (schema instanceof z.ZodNumber) return schema.isInt ? 'integer' : 'number';
  if (schema instanceof z.ZodBoolean) return 'boolean';
  if (schema instanceof z.ZodString) return 'string';
  if (schema instanceof z.ZodArray) return 'JSON list';
  if (schema instanceof z.ZodRecord || schema instanceof z.ZodObject) return 'JSON object';
  return 'JSON';
}

function formatDefault(path: string[], value: unknown): string {
  if (path.join('.') === 'instance_id') return '`<hostname>-<pid>-<random>`';
  if (value === undefined || value === '') return '—';
  return `\`${typeof value === 'string' ? value : JSON.stringify(value)}\``;
}

/** The markdown table written into the README between the config markers. */
export function configReferenceMarkdown(): string {
  const rows = configReference().map((v) => `| \`${v.name}\` | ${v.type} | ${v.default} |`);
  return ['| variable | type | default |', '|---|---|---|', ...rows].join('\n');
}
