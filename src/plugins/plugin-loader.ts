import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isEventTopic } from '../events/event-topics';
import type { ArtenicPlugin, LoadedPlugin } from './plugin.contract';

/**
 * Loads the ARTENIC_PLUGINS entries: a path (absolute, or relative to the working directory) or an npm
 * package name resolved from the working directory. A plugin that cannot be resolved, throws while
 * loading, or does not export a valid plugin is returned with its error; it never stops the platform.
 */
export async function loadPlugins(
  sources: readonly string[],
  baseDir = process.cwd(),
): Promise<LoadedPlugin[]> {
  const loaded: LoadedPlugin[] = [];
  for (const source of sources) {
    const entry = await loadOne(source, baseDir);
    const name = entry.plugin?.name;
    if (name && loaded.some((other) => other.plugin?.name === name)) {
      loaded.push({ ...entry, plugin: null, error: `another plugin is already named '${name}'` });
    } else {
      loaded.push(entry);
    }
  }
  return loaded;
}

async function loadOne(source: string, baseDir: string): Promise<LoadedPlugin> {
  let resolved: string | null = null;
  try {
    resolved = resolveSource(source, baseDir);
    const exported = await importModule(resolved);
    return { source, resolved, plugin: validate(exported), error: null };
  } catch (error) {
    return { source, resolved, plugin: null, error: error instanceof Error ? error.message : String(error) };
  }
}

function resolveSource(source: string, baseDir: string): string {
  const looksLikePath = source.startsWith('.') || isAbsolute(source) || source.includes('\\');
  const asPath = resolve(baseDir, source);
  if (looksLikePath || existsSync(asPath)) return require.resolve(asPath);
  return require.resolve(source, { paths: [baseDir] });
}

async function importModule(file: string): Promise<unknown> {
  try {
    // Plugins are named at run time (ARTENIC_PLUGINS): a dynamic require is the point.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(file) as unknown;
  } catch (error) {
    // An ES module package: load it the ESM way.
    if ((error as NodeJS.ErrnoException).code !== 'ERR_REQUIRE_ESM') throw error;
    return (await import(pathToFileURL(file).href)) as unknown;
  }
}

function validate(exported: unknown): ArtenicPlugin {
  const candidate = isObject(exported) && 'default' in exported ? exported.default : exported;
  if (!isObject(candidate)) throw new Error('the plugin exports no object (expected { name, ... })');
  const p = candidate;
  if (typeof p.name !== 'string' || !/^[a-z0-9][a-z0-9._-]{0,99}$/i.test(p.name)) {
    throw new Error('the plugin has no valid `name` (letters, digits, . _ -)');
  }
  if (p.version !== undefined && typeof p.version !== 'string') throw new Error('`version` must be a string');
  if (p.module !== undefined && typeof p.module !== 'function' && !isObject(p.module)) {
    throw new Error('`module` must be a Nest module class or a DynamicModule');
  }
  for (const factory of ['trainingProviders', 'runtimes'] as const) {
    if (p[factory] !== undefined && typeof p[factory] !== 'function')
      throw new Error(`\`${factory}\` must be a function`);
  }
  if (p.subscribers !== undefined) validateSubscribers(p.subscribers);
  return candidate as unknown as ArtenicPlugin;
}

function validateSubscribers(subscribers: unknown): void {
  if (!Array.isArray(subscribers)) throw new Error('`subscribers` must be a list');
  for (const s of subscribers as unknown[]) {
    if (!isObject(s) || typeof s.handle !== 'function' || !Array.isArray(s.topics)) {
      throw new Error('each subscriber needs `topics` (list) and `handle(event)`');
    }
    const unknown = (s.topics as unknown[]).filter((t) => typeof t !== 'string' || !isEventTopic(t));
    if (unknown.length > 0) throw new Error(`unknown event topic(s): ${unknown.map(String).join(', ')}`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
